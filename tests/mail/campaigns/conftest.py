"""Contacts, a list, a template and a campaign for the campaign tests; the SMTP sink of the
delivery tests (a real aiosmtpd server)."""

from __future__ import annotations

import pytest

from sarnakh.contacts.models import Contact
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.mail.campaigns import services
from sarnakh.mail.content import services as content_services
from sarnakh.mail.subscriptions import services as subscription_services
from sarnakh.segments import services as segment_services
from tests.mail.delivery.conftest import sink  # noqa: F401 - the SMTP sink fixture, shared

ACTOR = Actor.system("tests")


@pytest.fixture(autouse=True)
def shipped_topics(request):
    """The data migration's topics (a transactional test's flush deletes them)."""
    if {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        subscription_services.topic_seed_defaults()


@pytest.fixture(autouse=True)
def no_limits(settings):
    """Tests turn on the limits they test; the rest send at once, day or night."""
    settings.SARNAKH_CAMPAIGN_RATE = 0
    settings.SARNAKH_CAMPAIGN_DOMAIN_RATE = 0
    settings.SARNAKH_CAMPAIGN_QUIET_HOURS = ""
    settings.SARNAKH_CAMPAIGN_FREQUENCY_CAP = "0/0"
    settings.SARNAKH_CAMPAIGN_WORKERS = 1


def people(n: int, *, start: int = 0, consent: str = "subscribed", domain: str = "example.org", **extra) -> list[int]:
    """`n` contacts in bulk (person<i>@domain, first name Name<i>); their ids."""
    now = clock.now()
    rows = [Contact(email=f"person{i}@{domain}", first_name=f"Name{i}", consent=consent, stage_id="lead",
                    created_at=now, updated_at=now, **extra) for i in range(start, start + n)]
    Contact.objects.bulk_create(rows, batch_size=2000)
    return list(Contact.objects.filter(email__in=[r.email for r in rows]).order_by("pk").values_list("pk", flat=True))


def a_list(contact_ids: list[int], name: str = "Newsletter readers") -> int:
    segment = segment_services.segment_create(name=name, kind="static")
    for start in range(0, len(contact_ids), 1000):
        segment_services.list_add(segment_id=segment.pk, contact_ids=contact_ids[start:start + 1000], actor=ACTOR)
    return segment.pk


def template(**values):
    fields = {"name": "Azar news", "subject": "News for {{ contact.first_name | default('you') }}",
              "html": "<p>Hello {{ contact.first_name | default('friend') }}, "
                      "<a href='https://example.com/offer'>the offer</a>.</p>", "language": "en"}
    return content_services.template_create(**{**fields, **values})


def campaign(segment_id: int, **values):
    fields = {"name": "Azar newsletter", "template_id": template().pk, "segment_id": segment_id, "topic": "newsletter",
              "track_links": False}
    return services.campaign_create(actor=ACTOR, **{**fields, **values})
