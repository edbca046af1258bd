"""The personalisation language: a small, bounded subset of Jinja2 run in its
`SandboxedEnvironment` (never Django templates, never `eval` on user text).

What a template may say:
- `{{ contact.first_name }}`, `{{ company.name }}`, `{{ owner.email }}`,
  `{{ contact.properties.plan }}`, `{{ data.anything }}` (the caller's data);
- filters from a short list (FILTERS), among them `default` with fallback semantics;
- `{% if %}` and `{% for %}` (over data, or `range(n)` with n ≤ MAX_RANGE).

What it may not (refused when saved, with the line; and inert if it ever got through):
- names and attributes outside the known context (CONTEXT_FIELDS), private names (`_x`);
- calling anything but `range` (no methods: `''.__class__`, `'x'.center(10**9)`);
- `set`, `with`, macros, `call`, includes, imports, `extends`, `filter` blocks and recursive
  loops: without assignment or recursion no value can grow exponentially.

Bounds at render: every `for` shares one budget of MAX_ITERATIONS per render, `range`
yields at most MAX_RANGE items, `*` and `**` are checked before they are computed, and the
output stops at MAX_OUTPUT characters (TemplateLimit). `%` is arithmetic only (no
`"%999999999d" % 1`).

Fallbacks: `default` replaces an undefined value, None, an empty or blank string, and an
empty list or dict (Jinja's own `default` replaces only undefined unless boolean=True; a
contact's empty first name is the common case here, so blank counts as missing). Zero and
False are kept, unless `boolean=True` is given (then any false value falls back, as in Jinja).
A missing value without `default` renders as nothing (ChainableUndefined: `a.b.c` of a
missing `a` is empty too), so a message never breaks on a missing value.

Pure: no ORM; the caller passes plain dicts and lists.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext, Undefined
from jinja2.sandbox import SandboxedEnvironment

from sarnakh.core.ui.formatting import format_number

# The context's names and the attributes each has. `properties` (and anything under `data`)
# is free-form: its keys are checked against the known property keys when given.
CONTEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "contact": ("first_name", "last_name", "email", "phone", "job_title", "city", "country", "properties"),
    "company": ("name", "domain", "industry", "properties"),
    "owner": ("name", "email"),
    "data": (),
}
FREE_FORM = "data"
LOOP_FIELDS = ("index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem", "nextitem")

MAX_RANGE = 1000
MAX_ITERATIONS = 10_000
MAX_OUTPUT = 1_000_000
MAX_SOURCE = 200_000
MAX_STRING = 100_000  # the longest string or list `*` may make
MAX_POWER_DIGITS = 15  # the most digits a result of `**` may have

_BUDGET = "__sarnakh_budget__"
_BOUNDED = "__sarnakh_bounded__"
_FORBIDDEN_NODES: dict[type, str] = {
    nodes.Assign: "set", nodes.AssignBlock: "set", nodes.With: "with", nodes.Macro: "macro",
    nodes.CallBlock: "call", nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from",
    nodes.Extends: "extends", nodes.Block: "block", nodes.FilterBlock: "filter", nodes.Scope: "scope",
    nodes.ScopedEvalContextModifier: "autoescape", nodes.EvalContextModifier: "autoescape",
}


class TemplateLimit(Exception):
    """A render went past one of the bounds (loops, range, output size, arithmetic)."""


@dataclass(frozen=True)
class Problem:
    """One reason a template is refused: what, and on which line (1-based; 0 unknown)."""

    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)s: %(message)s") % {"line": format_number(self.line), "message": self.message}
        return self.message


def _blank(value: Any) -> bool:
    if value is None or isinstance(value, Undefined):
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | dict) and not value


def fallback(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """`default`: the fallback when the value is missing or blank (see the module's doc)."""
    if _blank(value) or (boolean and not value):
        return default_value
    return value


def _safe_replace(value: Any, old: Any, new: Any, count: Any = None) -> str:
    text, old, new = str(value), str(old), str(new)
    if not old:
        return text
    times = text.count(old) if count is None else min(int(count), text.count(old))
    if len(text) + times * max(0, len(new) - len(old)) > MAX_STRING:
        raise TemplateLimit(_("The replace filter would make too long a text."))
    return text.replace(old, new, -1 if count is None else int(count))


def _truncate(value: Any, length: Any = 255, end: str = "…") -> str:
    text, length = str(value), int(length)
    return text if len(text) <= length else text[: max(0, length)].rstrip() + end


def _join(value: Any, separator: str = ", ") -> str:
    if isinstance(value, str | dict) or not isinstance(value, list | tuple):
        return str(value)
    return str(separator).join(str(v) for v in value if not isinstance(v, Undefined))


def _number(kind):
    def convert(value: Any, default: Any = 0) -> Any:
        try:
            return kind(value)
        except (TypeError, ValueError, OverflowError):
            return default
    return convert


def _length(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return 0


# The only filters a template may use (no `center`, `indent`, `format`, `wordwrap`: each can
# be asked for a gigabyte of padding).
FILTERS: dict[str, Any] = {
    "default": fallback, "d": fallback,
    "upper": lambda v: str(v).upper(), "lower": lambda v: str(v).lower(),
    "title": lambda v: str(v).title(), "capitalize": lambda v: str(v).capitalize(),
    "trim": lambda v: str(v).strip(), "truncate": _truncate, "replace": _safe_replace,
    "join": _join, "length": _length, "count": _length,
    "first": lambda v: v[0] if isinstance(v, list | tuple | str) and v else None,
    "last": lambda v: v[-1] if isinstance(v, list | tuple | str) and v else None,
    "int": _number(int), "float": _number(float),
    "round": lambda v, precision=0: round(float(v), int(precision)) if isinstance(v, int | float) else v,
    "abs": lambda v: abs(v) if isinstance(v, int | float) else v,
}
# escape, e, striptags and urlencode are Jinja's own (they only shrink or escape text).
KEPT_FILTERS = ("escape", "e", "striptags", "urlencode")


def _bounded_range(*args: Any) -> range:
    if not args or len(args) > 3 or not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise TemplateLimit(_("range() takes one to three whole numbers."))
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimit(_("range() may give at most %(n)s numbers.") % {"n": MAX_RANGE})
    return numbers


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_ITERATIONS


@pass_context
def _bounded(context, iterable: Any):
    """Every `for` loop's iterable goes through this (the parse tree is rewritten): all the
    loops of one render share MAX_ITERATIONS."""
    budget = context.get(_BUDGET)
    if isinstance(iterable, Undefined) or iterable is None:
        return
    if isinstance(iterable, dict):
        iterable = list(iterable)
    for item in iterable:
        if budget is None or budget.left <= 0:
            raise TemplateLimit(_("The loops went past %(n)s rounds.") % {"n": MAX_ITERATIONS})
        budget.left -= 1
        yield item


class _Undefined(ChainableUndefined):
    """Missing: renders as nothing, and so does anything read from it."""

    __slots__ = ()


class MailSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(autoescape=autoescape, undefined=_Undefined, auto_reload=False, cache_size=0)
        kept = {name: self.filters[name] for name in KEPT_FILTERS}
        self.filters = {**kept, **FILTERS}
        self.tests = {name: self.tests[name] for name in ("defined", "undefined", "none", "number", "string",
                                                          "even", "odd", "divisibleby", "in", "eq", "ne")}
        self.globals = {"range": _bounded_range, _BOUNDED: _bounded}

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    if len(seq) * max(times, 0) > MAX_STRING:
                        raise TemplateLimit(_("That multiplication would make too long a text."))
            return left * right
        if operator == "**":
            if not isinstance(left, int | float) or not isinstance(right, int | float):
                raise TemplateLimit(_("Only numbers can be raised to a power."))
            if abs(right) > 64 or (abs(left) > 1 and abs(right) * math.log10(abs(left)) > MAX_POWER_DIGITS):
                raise TemplateLimit(_("That power is too large."))
            return left ** right
        if operator == "%":
            # `"%999999999d" % 1` would pad to a gigabyte: % is arithmetic only.
            if not isinstance(left, int | float) or not isinstance(right, int | float):
                raise TemplateLimit(_("Only numbers can be divided with %."))
            return left % right
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute.startswith("_"):
            return self.undefined(obj=obj, name=attribute)
        if isinstance(obj, dict):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, LoopContext) and attribute in LOOP_FIELDS:
            return getattr(obj, attribute)
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, dict):
            return obj[argument] if isinstance(argument, str) and argument in obj else self.undefined(obj=obj, name=str(argument))
        if isinstance(obj, list | tuple | str) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except (IndexError, TypeError, ValueError):
                return self.undefined(obj=obj)
        if isinstance(argument, str):
            return self.getattr(obj, argument)
        return self.undefined(obj=obj)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        if __obj is _bounded_range or __obj is _bounded:
            return __context.call(__obj, *args, **kwargs)
        raise SecurityError(_("Templates may not call functions or methods (only range)."))


HTML_ENV = MailSandbox(autoescape=True)
TEXT_ENV = MailSandbox(autoescape=False)


def _check(tree: nodes.Template, property_keys: dict[str, set[str]] | None, *, names: bool = True) -> list[Problem]:
    """Walks the parse tree: forbidden statements, private names, calls, and (with `names`)
    unknown names and attributes."""
    problems: list[Problem] = []

    def unknown(line: int, what: str) -> None:
        if names:
            problems.append(Problem(line, _("unknown variable “%(name)s”.") % {"name": what}))

    def path_of(node: nodes.Node) -> list[str] | None:
        """`contact.properties.plan` → ['contact', 'properties', 'plan'] (None: not a plain path)."""
        if isinstance(node, nodes.Name):
            return [node.name]
        if isinstance(node, nodes.Getattr):
            base = path_of(node.node)
            return None if base is None else [*base, node.attr]
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            base = path_of(node.node)
            return None if base is None else [*base, node.arg.value]
        return None

    def check_path(line: int, path: list[str], loop_names: set[str]) -> None:
        if any(part.startswith("_") for part in path):
            problems.append(Problem(line, _("“%(name)s” is private: names starting with _ cannot be used.")
                                    % {"name": ".".join(path)}))
            return
        head = path[0]
        if head in loop_names:
            if head == "loop" and len(path) > 1 and path[1] not in LOOP_FIELDS:
                unknown(line, ".".join(path[:2]))
            return
        if head not in CONTEXT_FIELDS:
            unknown(line, head)
            return
        if head == FREE_FORM or len(path) == 1:
            return
        if path[1] not in CONTEXT_FIELDS[head]:
            unknown(line, ".".join(path[:2]))
            return
        if path[1] == "properties" and len(path) > 2 and property_keys is not None:
            known = property_keys.get(head)
            if known is not None and path[2] not in known:
                unknown(line, ".".join(path[:3]))

    def visit(node: nodes.Node, loop_names: set[str]) -> None:
        line = getattr(node, "lineno", 0) or 0
        for kind, word in _FORBIDDEN_NODES.items():
            if isinstance(node, kind):
                problems.append(Problem(line, _("“{%% %(tag)s %%}” is not allowed in email templates.") % {"tag": word}))
                return
        if isinstance(node, nodes.For):
            if node.recursive:
                problems.append(Problem(line, _("Recursive loops are not allowed in email templates.")))
                return
            visit(node.iter, loop_names)
            targets = [node.target, *node.target.find_all(nodes.Name)]
            names = {n.name for n in targets if isinstance(n, nodes.Name)} | {"loop"}
            inner = loop_names | names
            for child in [*node.body, *([node.test] if node.test else [])]:
                visit(child, inner)
            for child in node.else_:
                visit(child, loop_names)
            return
        if isinstance(node, nodes.Call):
            if not (isinstance(node.node, nodes.Name) and node.node.name == "range"):
                problems.append(Problem(line, _("Templates may not call functions or methods (only range).")))
                return
        if isinstance(node, nodes.Filter | nodes.Test):
            table = HTML_ENV.filters if isinstance(node, nodes.Filter) else HTML_ENV.tests
            if node.name not in table:
                problems.append(Problem(line, _("unknown filter or test “%(name)s”.") % {"name": node.name}))
                return
        if isinstance(node, nodes.Name) and node.ctx == "load":
            if node.name == "range":
                return
            check_path(line, [node.name], loop_names)
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            path = path_of(node)
            if path is not None:
                check_path(line, path, loop_names)
                return
            if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
                problems.append(Problem(line, _("“%(name)s” is private: names starting with _ cannot be used.")
                                        % {"name": node.attr}))
                return
        for child in node.iter_child_nodes():
            visit(child, loop_names)

    visit(tree, set())
    return problems


def _bound_loops(tree: nodes.Template) -> nodes.Template:
    """Every `for` iterates through `_bounded` (the render's shared budget)."""
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name(_BOUNDED, "load", lineno=loop.lineno), [loop.iter], [], None, None,
                               lineno=loop.lineno)
    return tree


def _parse(env: MailSandbox, source: str) -> nodes.Template:
    return env.parse(source)


def validate(source: str, *, property_keys: dict[str, set[str]] | None = None) -> list[Problem]:
    """The reasons `source` cannot be saved (empty: it can). `property_keys` ({"contact": {...},
    "company": {...}}) checks `contact.properties.<key>` against the known keys."""
    if len(source) > MAX_SOURCE:
        return [Problem(0, _("At most %(n)s characters.") % {"n": MAX_SOURCE})]
    try:
        tree = _parse(HTML_ENV, source)
    except TemplateSyntaxError as exc:
        return [Problem(exc.lineno or 0, _("syntax error: %(error)s") % {"error": exc.message or ""})]
    return _check(tree, property_keys)


@functools.lru_cache(maxsize=256)
def _compiled(source: str, autoescape: bool):
    env = HTML_ENV if autoescape else TEXT_ENV
    tree = _parse(env, source)
    # At send time an unknown name is only missing (it renders as nothing); what is unsafe
    # is refused as when saved.
    problems = _check(tree, None, names=False)
    if problems:
        raise TemplateLimit(str(problems[0]))
    return env.from_string(_bound_loops(tree))


def render(source: str, context: dict[str, Any], *, html: bool) -> str:
    """Renders template text with `context` (contact, company, owner, data: plain dicts).
    Raises TemplateLimit past a bound or for a template that fails validation, never a
    Python exception from inside the template."""
    if len(source) > MAX_SOURCE:
        raise TemplateLimit(_("At most %(n)s characters.") % {"n": MAX_SOURCE})
    try:
        template = _compiled(source, html)
    except TemplateSyntaxError as exc:
        raise TemplateLimit(str(Problem(exc.lineno or 0, exc.message or ""))) from None
    values = {name: context.get(name) or {} for name in CONTEXT_FIELDS}
    values[_BUDGET] = _Budget()
    out: list[str] = []
    size = 0
    try:
        for chunk in template.generate(values):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimit(_("The message would be longer than %(n)s characters.") % {"n": MAX_OUTPUT})
            out.append(chunk)
    except TemplateLimit:
        raise
    except SecurityError as exc:
        raise TemplateLimit(str(exc)) from None
    except Exception as exc:  # a template's own runtime error (e.g. 1/0) must not escape as a crash
        raise TemplateLimit(_("The template failed: %(error)s") % {"error": type(exc).__name__}) from None
    return "".join(out)
