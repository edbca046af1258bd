"""The suppression list's staff page (marketing and admins): counts by reason, search,
add an address by hand, remove one (saying why), import a CSV of an existing list.
Plain GET page and POST forms named by `action`; a write answers with a redirect and a
message."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sarnakh.core.actor import Actor
from sarnakh.core.errors import DomainError
from sarnakh.core.ui.formatting import format_number
from sarnakh.core.ui.permissions import require
from sarnakh.mail.subscriptions import selectors, services
from sarnakh.mail.subscriptions.models import Suppression

PAGE_SIZE = 50


def _after(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


@require("mail.manage")
def suppressions(request):
    if request.method == "POST":
        return _post(request)
    query = request.GET.get("q", "")[:254]
    reason = request.GET.get("reason", "")
    reason = reason if reason in Suppression.Reason.values else ""
    rows, next_after = selectors.suppression_page(query=query, reason=reason, after_id=_after(request.GET.get("after")),
                                                  limit=PAGE_SIZE)
    counts = selectors.suppression_counts()
    labels = dict(Suppression.Reason.choices)
    context = {
        "rows": rows, "next_after": next_after, "q": query, "reason": reason,
        "counts": [{"key": key, "label": labels[key], "count": counts[key]} for key in Suppression.Reason.values],
        "total": sum(counts.values()), "reasons": Suppression.Reason.choices, "labels": labels,
        "max_mb": services.MAX_IMPORT_BYTES // (1024 * 1024), "max_rows": services.MAX_IMPORT_ROWS,
        "bad_rows": request.session.pop("suppression_bad_rows", None),
    }
    return render(request, "mail/subscriptions/suppressions.html", context)


def _post(request):
    actor = Actor.for_user(request.user)
    action = request.POST.get("action", "")
    back = reverse("subscriptions:suppressions")
    try:
        if action == "add":
            _row, created = services.suppression_add(address=request.POST.get("address", ""), reason="manual",
                                                     source=request.POST.get("source", "")[:300], actor=actor)
            messages.success(request, _("Address suppressed.") if created else _("This address was already suppressed."))
        elif action == "remove":
            services.suppression_remove(suppression_id=_after(request.POST.get("id")) or 0,
                                        why=request.POST.get("why", ""), actor=actor)
            messages.success(request, _("Address removed from the suppression list."))
        elif action == "import":
            upload = request.FILES.get("file")
            if upload is None:
                messages.error(request, _("Choose a CSV file."))
                return redirect(back)
            if upload.size > services.MAX_IMPORT_BYTES:
                messages.error(request, _("The file is larger than %(size)s MB.") % {"size": format_number(services.MAX_IMPORT_BYTES // (1024 * 1024))})
                return redirect(back)
            result = services.suppression_import_csv(data=upload.read(), reason="manual",
                                                     source=_("Import: %(name)s") % {"name": upload.name[:200]}, actor=actor)
            messages.success(request, ngettext("%(count)s address added.", "%(count)s addresses added.", result.added)
                             % {"count": format_number(result.added)})
            if result.bad_count:
                messages.warning(request, ngettext("%(count)s row was not an address and was skipped.",
                                                   "%(count)s rows were not an address and were skipped.", result.bad_count)
                                 % {"count": format_number(result.bad_count)})
                request.session["suppression_bad_rows"] = [list(r) for r in result.bad_rows]
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(back)
