"""A custom import-linter contract: apps meet only through their public modules.

import-linter's own contract types say which packages may import which; none says "any
module of this app except these few", and a list of forbidden internal modules would
let every new internal module through. This one fails closed: an import from outside an
app into it must name one of the app's public modules (by last name, so
`sarnakh.capture.forms.services` is as public as `sarnakh.contacts.services`) or a
package's `__init__`. Configured in pyproject.toml ([tool.importlinter], type
`public_modules`); run by `lint-imports` (`make lint`, `make test`).
"""

from __future__ import annotations

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


class PublicModulesContract(Contract):
    """Options:
    - apps: the packages whose insides are private (each one's own modules import freely).
    - public: last names of the modules other packages may import (services, selectors…).
    - unrestricted: packages that may import anything (the assembly: API root, URLs, CLI).
    - ignore_imports: imports let through, each with its reason in the configuration.
    """

    type_name = "public_modules"

    apps = fields.ListField(subfield=fields.ModuleField())
    public = fields.ListField(subfield=fields.StringField())
    unrestricted = fields.ListField(subfield=fields.ModuleField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        public = set(self.public)  # type: ignore[arg-type]
        free = [m.name for m in self.unrestricted or []]  # type: ignore[union-attr]
        illegal = []
        for app in sorted(m.name for m in self.apps):  # type: ignore[union-attr]
            inside = {app, *graph.find_descendants(app)}
            packages = {m for m in inside if graph.find_children(m)}
            for imported in sorted(inside):
                if imported.rpartition(".")[2] in public or imported in packages:
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(imported) - inside):
                    if any(importer == f or importer.startswith(f + ".") for f in free):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = tuple(d["line_number"] for d in details)
                    illegal.append({"importer": importer, "imported": imported, "line_numbers": lines})
        return ContractCheck(
            kept=not illegal,
            warnings=list(removal.warnings),
            metadata={"illegal_imports": illegal},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(
            f"Imports of another app's internal modules (public: {', '.join(self.public)}):",  # type: ignore[arg-type]
            bold=False,
        )
        output.new_line()
        for link in check.metadata["illegal_imports"]:
            lines = ", ".join(map(str, link["line_numbers"]))
            output.print_error(f"- {link['importer']} -> {link['imported']} (l.{lines})", bold=False)
        output.new_line()


class NoOrmContract(Contract):
    """Pure engines: neither they nor anything they import (directly or through other
    Sarnakh modules) imports `django.db` or a `models` module. import-linter's forbidden
    contract sees external packages only whole (`django`), and engines may use Django's
    translation functions, so the import lines themselves are read.

    Options:
    - source_modules: the engines (packages include their descendants).
    - forbidden_prefixes: dotted names an import line must not mention (`django.db`).
    """

    type_name = "no_orm"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    forbidden_prefixes = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        prefixes = tuple(self.forbidden_prefixes)  # type: ignore[arg-type]
        illegal = []
        for source in sorted(m.name for m in self.source_modules):  # type: ignore[union-attr]
            reached = {source, *graph.find_descendants(source)}
            reached |= graph.find_upstream_modules(source, as_package=True)
            for module in sorted(reached):
                if module.rpartition(".")[2] == "models" and module.startswith("sarnakh."):
                    illegal.append({"source": source, "module": module, "line": "(a models module)"})
                    continue
                for imported in graph.find_modules_directly_imported_by(module):
                    for detail in graph.get_import_details(importer=module, imported=imported):
                        text = detail["line_contents"]
                        if any(f" {p} " in f" {text} " or f" {p}." in f" {text}" or f"import {p}" in text for p in prefixes):
                            illegal.append({"source": source, "module": module, "line": f"l.{detail['line_number']}: {text}"})
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["illegal"]:
            output.print_error(f"- {item['source']}: {item['module']} {item['line']}", bold=False)
            output.new_line()
