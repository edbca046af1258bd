"""Email templates' pages: the list, and the editor (name, subject, preheader, language,
topic, kind, HTML source) with a live preview as a chosen contact at desktop and mobile
widths.

Plain POST forms; a successful write answers with a redirect and a message, a refused one
re-renders the form (422) with each error next to its field. The preview pane is htmx: the
form posts its values to `preview` (debounced) and gets the rendered message in sandboxed
iframes (`srcdoc`, no scripts, no same origin) and the plain-text part; errors of a draft
replace the fields' error slots out of band.

Who: the `mail.manage` capability (admins and marketers).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.core.errors import DomainError
from sarnakh.core.ui.permissions import require
from sarnakh.mail.content import selectors, services
from sarnakh.mail.content.blocks import views as block_views
from sarnakh.mail.content.models import EmailTemplate

CAPABILITY = "mail.manage"
FIELDS = ("name", "subject", "preheader", "html", "language", "topic", "kind")
PREVIEW_FIELDS = ("subject", "preheader", "html", "language")
STARTER_HTML = """<style>
  h1 { font-size: 24px; margin: 0 0 12px; }
  p { font-size: 16px; line-height: 1.6; }
  .button { display: inline-block; padding: 10px 18px; background: #1d4ed8; color: #ffffff; text-decoration: none; border-radius: 6px; }
</style>
<h1>{{ contact.first_name | default("Hello") }}</h1>
<p></p>
<p><a class="button" href="https://example.com/">Read more</a></p>
"""


def _values_from(template: EmailTemplate | None) -> dict[str, Any]:
    if template is None:
        return {"name": "", "subject": "", "preheader": "", "html": STARTER_HTML, "language": "en", "topic": "",
                "kind": EmailTemplate.Kind.MARKETING}
    return {field: getattr(template, field) for field in FIELDS}


def _values_from_post(post) -> dict[str, Any]:
    return {field: post.get(field, "") for field in FIELDS}


def _preview_contact(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < len(text) < 12 else None


def _editor(request, template: EmailTemplate | None, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200):
    choices = selectors.preview_contact_choices()
    chosen = _preview_contact(request.POST.get("preview_contact") if request.method == "POST" else request.GET.get("contact"))
    context = {
        "template": template, "values": values, "errors": errors, "languages": EmailTemplate.Language.choices,
        "kinds": EmailTemplate.Kind.choices, "contact_choices": choices,
        "preview_contact": chosen or (choices[0][0] if choices else None),
    }
    return render(request, "mail/content/edit.html", context, status=status)


@require(CAPABILITY)
def template_list(request):
    return render(request, "mail/content/list.html", {"templates": selectors.template_list()})


@require(CAPABILITY)
def template_new(request):
    if request.method == "POST":
        values = _values_from_post(request.POST)
        try:
            template = services.template_create(**values)
        except DomainError as exc:
            return _editor(request, None, values, exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Template saved."))
        return redirect("email_templates:edit", template_id=template.pk)
    return _editor(request, None, _values_from(None), {})


@require(CAPABILITY)
def template_edit(request, template_id: int):
    template = selectors.template_get(template_id)
    if template is None:
        raise Http404
    if template.blocks is not None:  # made with the block editor
        return block_views.template_edit(request, template)
    if request.method == "POST":
        values = _values_from_post(request.POST)
        try:
            services.template_update(template_id=template.pk, **values)
        except DomainError as exc:
            return _editor(request, template, values, exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Template saved."))
        return redirect("email_templates:edit", template_id=template.pk)
    return _editor(request, template, _values_from(template), {})


@require(CAPABILITY)
@require_POST
def template_delete(request, template_id: int):
    try:
        services.template_delete(template_id=template_id)
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, _("Template deleted."))
    return redirect("email_templates:list")


@require(CAPABILITY)
@require_POST
def template_preview(request):
    values = {field: request.POST.get(field, "") for field in PREVIEW_FIELDS}
    email, errors = services.draft_preview(values=values, contact_id=_preview_contact(request.POST.get("preview_contact")))
    context = {"email": email, "field_errors": [(field, errors.get(field, [])) for field in PREVIEW_FIELDS]}
    return render(request, "mail/content/_preview.html", context)
