"""The template editor's "Send a test to me": the saved template, rendered as the chosen
contact, to the logged-in user's own address."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.core.errors import DomainError
from sarnakh.core.ui.permissions import require
from sarnakh.mail.transactional import services


@require("mail.manage")
@require_POST
def template_test_send(request, template_id: int):
    raw = (request.POST.get("preview_contact") or "").strip()
    contact_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
    try:
        row = services.template_send_test(template_id=template_id, to=request.user.email or "", contact_id=contact_id)
    except DomainError as exc:
        messages.error(request, " ".join([exc.message, *[m for ms in exc.fields.values() for m in ms]]))
        return redirect("email_templates:edit", template_id=template_id)
    if row.status == "sent":
        messages.success(request, _("A test was sent to %(address)s.") % {"address": row.to_address})
    else:
        messages.error(request, _("The test was not sent: %(error)s") % {"error": row.last_error or row.get_status_display()})
    return redirect("email_templates:edit", template_id=template_id)
