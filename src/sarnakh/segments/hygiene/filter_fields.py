"""What filters can test from list hygiene (core.filters.fields): the address flags. Each is
a boolean (`eq true` / `eq false`) decided in SQL by `selectors.flag_q` and in Python by
`flags.py`, the same rules. Core's autodiscovery imports `<app>/filter_fields.py` only,
so segments/filter_fields.py imports this module."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sarnakh.core.filters.fields import field
from sarnakh.segments.hygiene import flags
from sarnakh.segments.hygiene.selectors import flag_q

HYGIENE = _("List hygiene")


def _register(key: str, label, flag: str, test) -> None:
    field(key, label, group=HYGIENE, value_type="boolean",
          to_q=lambda op, prepared, now: flag_q(flag) if prepared else ~flag_q(flag),
          evaluate=lambda facts, op, prepared, now: test(facts["contact"]["email"] or "") is prepared)


_register("email_role_address", _("Role address"), flags.ROLE, flags.is_role_address)
_register("email_disposable", _("Disposable email domain"), flags.DISPOSABLE, flags.is_disposable)
_register("email_invalid", _("Invalid email address"), flags.INVALID, flags.is_invalid)
