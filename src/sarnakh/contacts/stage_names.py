"""Shipped stage names, marked for translation (the migration stores them in English)."""

from django.utils.translation import gettext_noop

SHIPPED_STAGE_NAMES = [
    gettext_noop("Subscriber"),
    gettext_noop("Lead"),
    gettext_noop("Marketing qualified lead"),
    gettext_noop("Sales qualified lead"),
    gettext_noop("Opportunity"),
    gettext_noop("Customer"),
    gettext_noop("Recycled"),
    gettext_noop("Disqualified"),
    gettext_noop("Cold"),
]
