"""Reads for forms: lists with their counts, one form's public definition, submissions
pages and their CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from sarnakh.capture.forms import engine
from sarnakh.capture.forms.models import Form, FormSubmission, FormView
from sarnakh.core.csv_export import csv_chunks

# Spam and invalid posts are kept and counted apart; they are not conversions.
CONVERTED = (FormSubmission.Status.RECEIVED, FormSubmission.Status.PROCESSED, FormSubmission.Status.FAILED)
EXPORT_CHUNK = 2000


@dataclass
class FormStats:
    views: int = 0
    hosted_views: int = 0
    embed_views: int = 0
    submissions: int = 0  # valid ones (received, processed, failed)
    processed: int = 0
    failed: int = 0
    spam: int = 0
    invalid: int = 0

    @property
    def conversion_rate(self) -> float | None:
        """Submissions per view, in percent (None before the first view)."""
        if not self.views:
            return None
        return round(self.submissions * 100 / self.views, 2)


def _stats_by_form(form_ids: list[int]) -> dict[int, FormStats]:
    stats = {pk: FormStats() for pk in form_ids}
    views = FormView.objects.filter(form_id__in=form_ids).values("form_id", "kind").annotate(n=Count("id")).order_by()
    for row in views:
        item = stats[row["form_id"]]
        item.views += row["n"]
        if row["kind"] == FormView.Kind.HOSTED:
            item.hosted_views += row["n"]
        else:
            item.embed_views += row["n"]
    rows = FormSubmission.objects.filter(form_id__in=form_ids).values("form_id", "status").annotate(n=Count("id")).order_by()
    for row in rows:
        item, status, n = stats[row["form_id"]], row["status"], row["n"]
        if status in CONVERTED:
            item.submissions += n
        if status in (FormSubmission.Status.PROCESSED, FormSubmission.Status.FAILED, FormSubmission.Status.SPAM, FormSubmission.Status.INVALID):
            setattr(item, status, n)
    return stats


def form_list() -> list[Form]:
    """All forms, each with `.stats` (views, submissions, conversion rate)."""
    forms = list(Form.objects.order_by("name", "id"))
    stats = _stats_by_form([f.pk for f in forms])
    for form in forms:
        form.stats = stats[form.pk]
    return forms


def form_get(slug: str) -> Form | None:
    return Form.objects.filter(slug=slug).first() if isinstance(slug, str) else None


def form_stats(form: Form) -> FormStats:
    return _stats_by_form([form.pk])[form.pk]


def submissions_queryset(form: Form, *, status: str = "") -> QuerySet[FormSubmission]:
    qs = FormSubmission.objects.filter(form=form).select_related("contact")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-received_at", "-id")


def submissions_page(form: Form, *, status: str = "", before_id: int | None = None, limit: int = 50) -> tuple[list[FormSubmission], int | None]:
    qs = submissions_queryset(form, status=status).order_by("-id")
    if before_id:
        qs = qs.filter(id__lt=before_id)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more and rows else None)


def submission_status_counts(form: Form) -> dict[str, int]:
    counts = dict.fromkeys(FormSubmission.Status.values, 0)
    for row in FormSubmission.objects.filter(form=form).values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def failed_submission_count(form: Form | None = None) -> int:
    qs = FormSubmission.objects.filter(Q(status=FormSubmission.Status.FAILED))
    if form is not None:
        qs = qs.filter(form=form)
    return qs.count()


def submissions_csv(form: Form, *, status: str = "") -> Iterator[bytes]:
    """UTF-8 with BOM, formula-looking cells neutralised (core.csv_export)."""
    names = [d["name"] for d in form.fields]
    header = [
        "id", "received_at", "status", *names, "consent_given", "consent_text", "contact_id", "visitor_id",
        "page_url", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ip", "user_agent", "error",
    ]

    def rows() -> Iterator[list[Any]]:
        qs = submissions_queryset(form, status=status).order_by("id")
        for s in qs.iterator(chunk_size=EXPORT_CHUNK):
            fields = s.fields if isinstance(s.fields, dict) else {}
            context = s.context or {}
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in (s.errors or {}).items())
            yield [
                s.pk, s.received_at, s.status, *[fields.get(n) for n in names], s.consent_given, s.consent_text, s.contact_id,
                s.visitor_id, context.get("page_url", ""), context.get("referrer", ""), *[context.get(k, "") for k in engine.UTM_KEYS],
                s.ip, s.user_agent, s.error or errors,
            ]

    return csv_chunks(header, rows())


# ---------------------------------------------------------------- public definition

def pick_language(form: Form, requested: str, visitor: str = "") -> str:
    """?lang= first, then the form's own language, then the visitor's (Accept-Language)."""
    for choice in (requested, form.language, visitor, settings.LANGUAGE_CODE):
        code = (choice or "")[:2]
        if code in engine.LANGUAGES:
            return code
    return "en"


def public_fields(form: Form, language: str) -> list[dict[str, Any]]:
    out = []
    for d in form.fields:
        item = {
            "name": d["name"], "type": d["type"], "required": d.get("required", False),
            "label": engine.field_label(d, language),
            "help_text": engine.localized(d.get("help_text"), language, form.language),
            "placeholder": engine.localized(d.get("placeholder"), language, form.language),
        }
        if d.get("max_length"):
            item["max_length"] = d["max_length"]
        if "choices" in d:
            item["choices"] = [{"value": c["value"], "label": engine.choice_label(c, language)} for c in d["choices"]]
        if d["type"] == "hidden":
            item["value"] = d.get("value", "")
        out.append(item)
    return out


def public_definition(form: Form, language: str) -> dict[str, Any]:
    """What the hosted page and the embed script render (no internal settings)."""
    return {
        "slug": form.slug,
        "language": language,
        "dir": "rtl" if language == "fa" else "ltr",
        "title": engine.localized(form.title, language, form.language),
        "intro": engine.localized(form.intro, language, form.language),
        "fields": public_fields(form, language),
        "consent": {
            "enabled": form.consent_enabled,
            "required": form.consent_required,
            "text": engine.localized(form.consent_text, language, form.language) if form.consent_enabled else "",
        },
        "submit_label": engine.localized(form.submit_label, language, form.language) or _("Send"),
        "texts": {
            "required": _("This field is required."),
            "invalid_email": _("Enter a valid email address."),
            "sending": _("Sending…"),
            "error": _("Something went wrong. Please try again."),
            "rate_limited": _("Too many submissions; please wait a minute and try again."),
            "correct": _("Please correct the marked fields."),
        },
    }


@dataclass(frozen=True)
class ConsentProof:
    """What a visitor agreed to on a form, for a double opt-in confirmation (mail/optin):
    the consent text they saw, when, from which address, in which language."""

    submission_id: int
    form_slug: str
    form_name: str
    double_opt_in: bool
    consent_given: bool
    consent_text: str
    received_at: Any
    ip: str
    language: str  # the submission's language, else the form's ("" when neither says)
    contact_id: int | None


def submission_consent_proof(submission_id: int) -> ConsentProof | None:
    submission = FormSubmission.objects.select_related("form").filter(pk=submission_id).first()
    if submission is None:
        return None
    form = submission.form
    return ConsentProof(
        submission_id=submission.pk, form_slug=form.slug, form_name=form.name, double_opt_in=form.double_opt_in,
        consent_given=submission.consent_given, consent_text=submission.consent_text, received_at=submission.received_at,
        ip=submission.ip or "", language=(submission.language or form.language or "")[:10], contact_id=submission.contact_id,
    )


def any_double_opt_in_form() -> bool:
    """Whether some form asks for double opt-in (mail's subscriber wants submissions only then)."""
    return Form.objects.filter(double_opt_in=True).exists()
