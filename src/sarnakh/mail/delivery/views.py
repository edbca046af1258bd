"""Settings → Senders, for admins: the sender identities, a sender's form, its DKIM key
and the DNS records to publish, and a test email to oneself.

Plain POST forms named by `action`; a successful write answers with a redirect and a
message, a rejected one re-renders the form (422) with the errors and the typed values."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sarnakh.core.errors import DomainError
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import require
from sarnakh.mail.delivery import selectors, services
from sarnakh.mail.delivery.models import SenderIdentity

TAB = "senders"


def _values_from(sender: SenderIdentity | None) -> dict[str, Any]:
    if sender is None:
        return {"from_name": "", "from_address": "", "reply_to": "", "is_default": False}
    return {"from_name": sender.from_name, "from_address": sender.from_address, "reply_to": sender.reply_to, "is_default": sender.is_default}


def _values_from_post(post) -> dict[str, Any]:
    return {"from_name": post.get("from_name", ""), "from_address": post.get("from_address", ""),
            "reply_to": post.get("reply_to", ""), "is_default": post.get("is_default") == "on"}


@require("settings.manage")
def settings_senders(request):
    return render(request, "mail/delivery/settings/list.html", {"tab": TAB, "senders": selectors.senders()})


@require("settings.manage")
def settings_sender_new(request):
    if request.method != "POST":
        return render(request, "mail/delivery/settings/new.html", {"tab": TAB, "values": _values_from(None), "errors": {}})
    values = _values_from_post(request.POST)
    try:
        sender = services.sender_create(**values)
    except DomainError as exc:
        context = {"tab": TAB, "values": values, "errors": exc.fields or {"from_address": [exc.message]}}
        return render(request, "mail/delivery/settings/new.html", context, status=422)
    messages.success(request, _("Sender added. Generate its DKIM key and publish the DNS records below."))
    return redirect("mail_delivery:settings_detail", sender_id=sender.pk)


def _detail_page(request, sender: SenderIdentity, *, values=None, errors=None, status=200):
    context = {
        "tab": TAB, "sender": sender, "values": values or _values_from(sender), "errors": errors or {},
        "records": services.sender_dns_records(sender), "my_address": request.user.email,
    }
    return render(request, "mail/delivery/settings/detail.html", context, status=status)


@require("settings.manage")
def settings_sender(request, sender_id: int):
    sender = selectors.sender_get(sender_id)
    if sender is None:
        raise Http404
    if request.method != "POST":
        return _detail_page(request, sender)
    action = request.POST.get("action", "save")
    if action == "save":
        values = _values_from_post(request.POST)
        try:
            services.sender_update(sender_id=sender.pk, **values)
        except DomainError as exc:
            return _detail_page(request, sender, values=values, errors=exc.fields or {"from_address": [exc.message]}, status=422)
        messages.success(request, _("Sender saved."))
    elif action == "dkim":
        try:
            services.sender_generate_dkim(sender_id=sender.pk, selector=request.POST.get("selector", ""))
        except DomainError as exc:
            messages.error(request, " ".join(error_messages(exc)))
        else:
            messages.success(request, _("DKIM key generated. Publish its DNS record before sending with it."))
    elif action == "test":
        if not request.user.email:
            messages.error(request, _("Your account has no email address to send the test to."))
        else:
            try:
                row = services.email_send_test(to=request.user.email, sender_id=sender.pk)
            except DomainError as exc:
                messages.error(request, " ".join(error_messages(exc)))
            else:
                if row.status == "sent":
                    messages.success(request, _("Test email sent to %(address)s.") % {"address": row.to_address})
                else:
                    messages.error(request, _("The test email was not sent: %(error)s") % {"error": row.last_error})
    return redirect("mail_delivery:settings_detail", sender_id=sender.pk)
