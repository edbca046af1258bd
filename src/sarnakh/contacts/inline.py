"""One view body for inline field editing on contact and company pages.

htmx: GET ?edit=1 returns the small form, GET returns the field, POST saves and returns
the field (or the form with errors, 422). Without JavaScript the same URLs render a full
page with the form and redirect back to the record after saving.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404
from django.shortcuts import redirect, render

from sarnakh.contacts.fields import EditableField
from sarnakh.core.errors import DomainError
from sarnakh.core.ui.htmx import error_messages, is_htmx, trigger


def field_context(obj, field: EditableField, url: str, *, can_edit: bool) -> dict:
    return {"field": field, "value": field.display(obj), "link": field.link(obj), "url": url, "can_edit": can_edit}


def field_view(
    request,
    *,
    obj,
    field: EditableField | None,
    url: str,
    back_url: str,
    save: Callable[[dict], object],
    reload: Callable[[], object],
    changed_event: str = "",
):
    if field is None:
        raise Http404
    if request.method == "POST":
        try:
            save(field.payload(request.POST))
        except DomainError as exc:
            context = {"field": field, "url": url, "back_url": back_url, "form_value": _posted_value(request, field), "errors": error_messages(exc), "obj": obj}
            template = "web/_field_form.html" if is_htmx(request) else "web/field_edit_page.html"
            return render(request, template, context, status=exc.status if exc.status in (409, 422) else 422)
        if not is_htmx(request):
            return redirect(back_url)
        response = render(request, "web/_field.html", field_context(reload(), field, url, can_edit=True))
        return trigger(response, changed_event) if changed_event else response
    if request.GET.get("edit"):
        context = {"field": field, "url": url, "back_url": back_url, "form_value": field.form_value(obj), "errors": [], "obj": obj}
        return render(request, "web/_field_form.html" if is_htmx(request) else "web/field_edit_page.html", context)
    if not is_htmx(request):
        return redirect(back_url)
    return render(request, "web/_field.html", field_context(obj, field, url, can_edit=True))


def _posted_value(request, field: EditableField):
    if field.input == "multi":
        return request.POST.getlist("value")
    return request.POST.get("value", "")
