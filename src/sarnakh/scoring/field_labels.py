"""What each field a scoring rule reads is called in words (the editor, the version page,
the predictive page), in the reader's language. The keys stay what the spec and the API use."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sarnakh.core.ui.formatting import format_message, isolate

FIELD_LABELS = {
    "email": _("Email address"),
    "job_title": _("Job title"),
    "country": _("Country"),
    "city": _("City"),
    "language": _("Language"),
    "channel": _("Channel"),
    "source_type": _("Source type (inbound / outbound)"),
    "lead_status": _("Lead status"),
    "stage": _("Lifecycle stage"),
    "tags": _("Tags"),
    "bant.budget": _("BANT: budget"),
    "bant.authority": _("BANT: authority"),
    "bant.need": _("BANT: need"),
    "bant.timeline": _("BANT: timeline"),
    "company.name": _("Company name"),
    "company.domain": _("Company website domain"),
    "company.industry": _("Company industry"),
    "company.employee_band": _("Company size (employees)"),
    "company.revenue_band": _("Company annual revenue"),
    "company.country": _("Company country"),
    "properties.": _("Contact custom property…"),
    "company.properties.": _("Company custom property…"),
    # what engagement rules read of an event
    "name": _("Event name"),
    "path": _("Page path"),
    "url": _("Page address (URL)"),
    "title": _("Page title"),
    "label": _("Event label"),
    "referrer": _("Came from (referrer)"),
}


def field_label(key: str) -> str:
    """The words for a field key; a custom property shows its key after the words."""
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    for prefix in ("company.properties.", "properties."):
        if key.startswith(prefix) and len(key) > len(prefix):
            return f"{str(FIELD_LABELS[prefix]).rstrip('…')}: {key.removeprefix(prefix)}"
    return key


def field_labels(keys) -> dict[str, str]:
    return {key: field_label(key) for key in keys}


# The predictive model's columns from Sarnakh's own data (predictive/own_data.py). A model
# evaluated on a CSV file has the file's own column names, shown as they are.
PREDICTIVE_LABELS = {
    "job_title": _("Job title"),
    "country": _("Country"),
    "language": _("Language"),
    "source_type": _("Source type (inbound / outbound)"),
    "channel": _("Channel"),
    "utm_source": _("Campaign source (UTM)"),
    "utm_medium": _("Campaign medium (UTM)"),
    "utm_campaign": _("Campaign (UTM)"),
    "consent": _("Email consent"),
    "company_industry": _("Company industry"),
    "company_employee_band": _("Company size (employees)"),
    "company_revenue_band": _("Company annual revenue"),
    "company_country": _("Company country"),
    "referrer_host": _("Came from (site)"),
    "landing_page": _("First page visited"),
    "email_kind": _("Email type (company or free)"),
    "has_phone": _("Gave a phone number"),
    "page_views": _("Page views"),
    "pricing_page_views": _("Pricing page views"),
    "custom_events": _("Tracked actions"),
    "sessions": _("Visits"),
    "days_active": _("Days active"),
    "forms_submitted": _("Forms submitted"),
    "created_at": _("Created"),
}
EVENT_COLUMN_PREFIX = "event: "


def predictive_label(column: str) -> str:
    """Words for a predictive feature column, as HTML: 'event: demo_requested' -> 'Times
    doing “demo_requested”' with the name isolated; an unknown column (a CSV file's own) as
    it is, isolated."""
    if column in PREDICTIVE_LABELS:
        return str(PREDICTIVE_LABELS[column])
    if column.startswith(EVENT_COLUMN_PREFIX):
        # The event's name is the site's own word (often Latin in a Persian sentence): isolated.
        return format_message(str(_("Times doing “%(event)s”")), event=isolate(column.removeprefix(EVENT_COLUMN_PREFIX)))
    return isolate(column)
