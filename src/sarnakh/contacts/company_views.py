"""Staff pages for companies: list with search, the company page with inline edits,
its contacts and notes."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.contacts import company_services, selectors, services
from sarnakh.contacts.fields import company_fields, company_property_fields, find_field
from sarnakh.contacts.inline import field_context, field_view
from sarnakh.core.actor import Actor
from sarnakh.core.errors import DomainError
from sarnakh.core.roles import can
from sarnakh.core.ui.htmx import error_messages, htmx_target, is_htmx
from sarnakh.core.ui.permissions import require

PAGE_SIZE = 25
CONTACTS_SHOWN = 100


@require("contacts.view")
def company_list(request):
    q = request.GET.get("q", "").strip()[:200]
    page = Paginator(selectors.company_queryset(q=q).order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q}
    if htmx_target(request) == "company-results":
        return render(request, "companies/_results.html", context)
    return render(request, "companies/list.html", context)


@require("contacts.edit")
def company_new(request):
    values = {name: request.POST.get(name, "").strip() for name in ("name", "domain", "industry")}
    errors: dict = {}
    if request.method == "POST":
        try:
            company = company_services.company_create(data={k: v for k, v in values.items() if v or k == "name"})
        except DomainError as exc:
            errors = exc.fields or {"name": [exc.message]}
        else:
            messages.success(request, _("Company created."))
            return redirect("companies:detail", company.pk)
    return render(request, "companies/new.html", {"values": values, "errors": errors}, status=422 if errors else 200)


def _company_or_404(company_id: int):
    company = selectors.company_get(company_id)
    if company is None:
        raise Http404
    return company


@require("contacts.view")
def company_detail(request, company_id: int):
    company = _company_or_404(company_id)
    can_edit = can(request.user, "contacts.edit")

    def rows(fields):
        return [field_context(company, f, reverse("companies:field", args=[company.pk, f.name]), can_edit=can_edit) for f in fields]

    contacts = selectors.company_contacts(company.pk)
    context = {
        "company": company,
        "field_rows": rows(company_fields()),
        "property_rows": rows(company_property_fields()),
        "contacts": contacts[:CONTACTS_SHOWN],
        "contact_count": contacts.count(),
        "notes": selectors.company_notes(company.pk),
        "note_url": reverse("companies:note_add", args=[company.pk]),
    }
    return render(request, "companies/detail.html", context)


@require("contacts.view")
def company_field(request, company_id: int, name: str):
    if request.method == "POST" or request.GET.get("edit"):
        if not can(request.user, "contacts.edit"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
    company = _company_or_404(company_id)
    return field_view(
        request,
        obj=company,
        field=find_field(company_fields() + company_property_fields(), name),
        url=reverse("companies:field", args=[company.pk, name]),
        back_url=reverse("companies:detail", args=[company.pk]),
        save=lambda data: company_services.company_update(company_id=company.pk, data=data),
        reload=lambda: selectors.company_get(company.pk),
    )


@require_POST
@require("contacts.edit")
def company_note_add(request, company_id: int):
    company = _company_or_404(company_id)
    error, body = "", request.POST.get("body", "")
    try:
        services.note_add(body=body, company_id=company.pk, actor=Actor.for_user(request.user))
        body = ""
    except DomainError as exc:
        error = " ".join(error_messages(exc))
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(reverse("companies:detail", args=[company.pk]) + "#notes")
    context = {"notes": selectors.company_notes(company.pk), "note_error": error, "note_body": body, "note_url": reverse("companies:note_add", args=[company.pk])}
    return render(request, "web/_notes.html", context, status=422 if error else 200)
