"""Words for list hygiene's reason codes, shared by the pages and the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sarnakh.core.ui.formatting import format_percent
from sarnakh.segments.hygiene import matching


def reason_text(reason: matching.Reason) -> str:
    if reason.code == matching.SAME_GMAIL:
        return _("Same Gmail address without dots or +tag")
    if reason.code == matching.SAME_PLUS:
        return _("Same address without the +tag")
    if reason.code == matching.SAME_PHONE:
        return _("Same phone number")
    if reason.code == matching.PHONE_FORMAT:
        return _("Same phone number written differently")
    if reason.code == matching.NAME_COMPANY:
        return _("Names %(percent)s alike at the same company") % {"percent": format_percent(reason.similarity, 0)}
    if reason.code == matching.NAME_DOMAIN:
        return _("Names %(percent)s alike at the same email domain") % {"percent": format_percent(reason.similarity, 0)}
    return reason.code
