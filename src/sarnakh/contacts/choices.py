"""Fixed vocabularies of the contact record (from the product brief)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    ATTEMPTED = "attempted", _("Attempted to contact")
    CONNECTED = "connected", _("Connected")
    IN_PROGRESS = "in_progress", _("In progress")
    UNQUALIFIED = "unqualified", _("Unqualified")
    BAD_TIMING = "bad_timing", _("Bad timing")


class Consent(models.TextChoices):
    NOT_ASKED = "not_asked", _("Not asked")
    SUBSCRIBED = "subscribed", _("Subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class Funnel(models.TextChoices):
    TOFU = "tofu", _("Top of funnel (awareness)")
    MOFU = "mofu", _("Middle of funnel (consideration)")
    BOFU = "bofu", _("Bottom of funnel (decision)")
    NONE = "none", _("Outside the funnel")


class StageKind(models.TextChoices):
    FUNNEL = "funnel", _("Funnel stage")
    SIDE = "side", _("Side state")


class EmployeeBand(models.TextChoices):
    # Labels are translated for their digits (۱ تا ۱۰ in Persian).
    B1 = "1-10", _("1–10")
    B11 = "11-50", _("11–50")
    B51 = "51-200", _("51–200")
    B201 = "201-500", _("201–500")
    B501 = "501-1000", _("501–1,000")
    B1001 = "1001-5000", _("1,001–5,000")
    B5001 = "5001+", _("5,001+")


class RevenueBand(models.TextChoices):
    R0 = "<1m", _("Under $1M")
    R1 = "1m-10m", _("$1M–10M")
    R10 = "10m-50m", _("$10M–50M")
    R50 = "50m-250m", _("$50M–250M")
    R250 = "250m+", _("Over $250M")


class PropertyType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes / no")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")


class ObjectType(models.TextChoices):
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")


class ActivityKind(models.TextChoices):
    """The timeline kinds contacts owns (registered in contact_page.py); other apps
    register their own (core.timeline)."""

    CREATED = "created", _("Created")
    UPDATED = "updated", _("Properties changed")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    MERGED = "merged", _("Merged")
    NOTE_ADDED = "note_added", _("Note added")
    TAGGED = "tagged", _("Tags changed")
    OWNER_CHANGED = "owner_changed", _("Owner changed")
