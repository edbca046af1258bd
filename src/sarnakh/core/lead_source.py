"""Where a lead came from: inbound or outbound, and through which channel (the brief's
vocabulary). Every way in records these: the contact record, forms and imports (their
defaults), tracked visits (classified by channel rules) and the reports that group by them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceType(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Channel(models.TextChoices):
    ORGANIC_SEARCH = "organic_search", _("Organic search")
    PAID_SEARCH = "paid_search", _("Paid search")
    SOCIAL = "social", _("Social")
    EMAIL = "email", _("Email")
    REFERRAL = "referral", _("Referral")
    DIRECT = "direct", _("Direct")
    DISPLAY = "display", _("Display")
    AFFILIATE = "affiliate", _("Affiliate")
    WEB_FORM = "web_form", _("Web form")
    EVENT = "event", _("Event / trade show")
    COLD_EMAIL = "cold_email", _("Cold email")
    COLD_CALL = "cold_call", _("Cold call")
    LIST_IMPORT = "list_import", _("List import")
    API = "api", _("API")
    OTHER = "other", _("Other")
