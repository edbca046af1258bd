"""The timeline kinds capture writes (core.timeline). Imported by CaptureConfig.ready."""

from django.utils.translation import gettext_lazy as _

from sarnakh.core.timeline import timeline_kind

FORM_SUBMITTED = timeline_kind("form_submitted", _("Form submitted")).key
IMPORTED = timeline_kind("imported", _("Imported")).key
