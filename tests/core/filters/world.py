"""A small random world of contacts, companies, tags, stage changes, scores, predictions,
tracked events and visits, written straight to the tables (seeded: the same every run)."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model

from sarnakh.contacts.models import Company, Contact, StageChange, Tag
from sarnakh.mail.subscriptions.models import SubscriptionTopic, Suppression, TopicOptOut
from sarnakh.scoring.models import ContactPrediction, ContactScore, PredictiveModel, ScoringModel
from sarnakh.segments.models import Segment, SegmentMembership
from sarnakh.tracking.models import Event, Session

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
STAGES = ("subscriber", "lead", "mql", "sql", "customer")
WORDS = ("alpha", "Beta", "GAMMA", "delta", "مدیر", "فروش", "", "beta", "Alpha Co")
# Segments with fixed ids, so conditions on membership can name them.
SEGMENT_IDS = (9001, 9002)
TAGS = ("vip", "partner", "newsletter", "کلیدی")
PATHS = ("/pricing", "/pricing/team", "/blog/a", "/docs/x", "/", "/Pricing")
CHANNELS = ("organic_search", "email", "direct", "social")
SINCE_VALUES = ("2026-03-01", "2026-03-02", "2026-03-15", "2026-03-16", "2026-03-22", "2026-03-23", "2025-12-15",
                "2025-12-14", "2026-01-10", "soon", 20260301, "2026-03-01T10:00:00", "")
TOPIC_KEYS = ("newsletter", "product-news", "nurture")
SUPPRESSION_REASONS = ("unsubscribed_all", "hard_bounce", "complaint", "invalid", "manual")
PROPERTY_VALUES = ("gold", "Silver", "12", "7.5", "-3", "abc", 5, 12, 3.5, 0, -2, "")


def _hygiene_shapes(i: int, email: str) -> str:
    """Some c1.example addresses become a role address, a disposable one and an invalid one
    (the list hygiene flags), without another random draw (the rest of the world stays)."""
    if email.endswith("@c1.example"):
        return {0: f"Info@c{i}.example", 1: f"p{i}@mailinator.com", 3: f"p{i}@@c1.example"}.get(i % 4, email)
    return email


def moment(rng: random.Random) -> dt.datetime:
    return NOW + dt.timedelta(days=rng.choice((-400, -91, -90, -30, -15, -14, -1, 0, 2, 8)),
                              seconds=rng.choice((-1, 0, 1, 3600)))


def build(seed: int = 7, contacts: int = 40, *, lists: bool = False) -> list[int]:
    rng = random.Random(seed)
    users = [get_user_model().objects.create_user(username=f"owner{i}") for i in range(2)]
    tags = [Tag.objects.create(name=name) for name in TAGS]
    companies = []
    for i in range(5):
        companies.append(Company.objects.create(
            name=("Acme", "acme labs", "Globex", "شرکت نمونه", "Initech")[i] + str(i),
            domain=f"c{i}.example", industry=rng.choice(("software", "Retail", "")),
            employee_band=rng.choice(("", "1-10", "51-200", "1001-5000")), country=rng.choice(("IR", "DE", "")),
            properties={k: rng.choice(PROPERTY_VALUES[:6]) for k in ("tier", "size") if rng.random() < 0.8},
            created_at=NOW, updated_at=NOW))
    scoring_model = ScoringModel.objects.get(is_default=True)
    other_model = ScoringModel.objects.create(key="other", name="Other", created_at=NOW,
                                              current_version=scoring_model.current_version)
    predictive = [PredictiveModel.objects.create(created_at=NOW, status="done") for _ in range(2)]
    ids = []
    for i in range(contacts):
        contact = Contact.objects.create(
            first_name=rng.choice(WORDS), last_name=rng.choice(WORDS),
            email=_hygiene_shapes(i, rng.choice(("", f"p{i}@gmail.com", f"p{i}@Acme.example", f"p{i}@c1.example"))),
            phone=rng.choice(("", f"+98912{i:07d}")), job_title=rng.choice(WORDS),
            country=rng.choice(("IR", "DE", "")), city=rng.choice(("Tehran", "tehran", "")),
            language=rng.choice(("fa", "en", "")), stage_id=rng.choice(STAGES),
            lead_status=rng.choice(("new", "connected")), owner=rng.choice((None, *users)),
            source_type=rng.choice(("inbound", "outbound")), channel=rng.choice(CHANNELS),
            utm_campaign=rng.choice(("", "spring", "Spring-25")), utm_source=rng.choice(("", "google", "X")),
            utm_medium=rng.choice(("", "cpc", "x")), utm_term=rng.choice(("", "crm")), utm_content=rng.choice(("", "x")),
            consent=rng.choice(("not_asked", "subscribed", "unsubscribed")),
            consent_at=rng.choice((None, moment(rng))),
            company=rng.choice((None, *companies)),
            properties={k: rng.choice(PROPERTY_VALUES) for k in ("tier", "size", "plan") if rng.random() < 0.6},
            created_at=moment(rng), updated_at=moment(rng))
        ids.append(contact.pk)
        contact.tags.set(rng.sample(tags, rng.randint(0, 2)))
        for _ in range(rng.randint(0, 3)):
            StageChange.objects.create(contact=contact, to_stage=rng.choice(STAGES), changed_at=moment(rng))
        if rng.random() < 0.7:
            for model in (scoring_model, other_model):
                ContactScore.objects.create(
                    contact=contact, model=model, version=scoring_model.current_version,
                    fit=rng.choice((0, 10, 25.5, 40, 80)), grade=rng.choice("ABCD"),
                    engagement=rng.choice((0, 5, 12.25, 30)), score=rng.choice((0, 20, 50, 95)),
                    qualified=rng.random() < 0.4, computed_at=NOW)
        for model in rng.sample(predictive, rng.randint(0, 2)):
            ContactPrediction.objects.create(contact=contact, model=model, probability=rng.choice((0.1, 0.5, 0.75)),
                                             as_of=NOW, computed_at=NOW)
        for _j in range(rng.randint(0, 3)):
            Session.objects.create(
                visitor_id=f"v{i}", contact=contact, started_at=moment(rng), last_event_at=NOW,
                channel=rng.choice(CHANNELS), utm_campaign=rng.choice(("", "spring", "fall")),
                is_bot=rng.random() < 0.1)
        for j in range(rng.randint(0, 9)):
            kind = rng.choice(("page_view", "page_view", "track"))
            name = "" if kind == "page_view" else rng.choice(("form_submitted", "signup", "Download"))
            props = {}
            if name == "form_submitted":
                props = {"form": rng.choice(("demo", "contact"))}
            elif name:
                props = {"plan": rng.choice(("pro", "team", 3, 10))}
            Event.objects.create(
                source="internal", event_id=f"e{i}-{j}", type=kind, name=name, occurred_at=moment(rng),
                received_at=NOW, path=rng.choice(PATHS) if kind == "page_view" else "", properties=props,
                contact=contact, is_bot=rng.random() < 0.1)
    # Date properties ("since"), drawn apart so the draws above stay as they were: days at the
    # windows' edges, and values that are no day (text, a number, a date with a time).
    days = random.Random(seed + 1)
    for model, rows in ((Contact, ids), (Company, [c.pk for c in companies])):
        for pk in rows:
            obj = model.objects.get(pk=pk)
            if days.random() < 0.85:
                obj.properties = {**obj.properties, "since": days.choice(SINCE_VALUES)}
                obj.save(update_fields=["properties"])
    # Email subscriptions (suppressed addresses, topic opt-outs), drawn apart as well. An
    # address is suppressed lower-cased, as the list keeps it, whatever case the contact has.
    mail = random.Random(seed + 2)
    topics = [SubscriptionTopic.objects.get_or_create(key=key, defaults={"name_en": key})[0] for key in TOPIC_KEYS]
    for contact in Contact.objects.filter(pk__in=ids).order_by("pk"):
        if contact.email and mail.random() < 0.45:
            for reason in mail.sample(SUPPRESSION_REASONS, mail.randint(1, 2)):
                Suppression.objects.get_or_create(address=contact.email.lower(), reason=reason, defaults={"created_at": NOW})
        for topic in mail.sample(topics, mail.randint(0, 2)):
            TopicOptOut.objects.create(contact_id=contact.pk, topic=topic, at=NOW, how="preference_centre")
    Suppression.objects.create(address="nobody@example.com", reason="manual", created_at=NOW)  # no contact's
    # Events of nobody (anonymous visitors) must not count for anyone.
    Event.objects.create(source="internal", event_id="anon", type="page_view", occurred_at=NOW,
                         received_at=NOW, path="/pricing")
    for segment_id in SEGMENT_IDS if lists else ():
        members = [cid for cid in ids if rng.random() < 0.4]
        Segment.objects.create(pk=segment_id, name=f"s{segment_id}", kind="static", created_at=NOW, updated_at=NOW,
                               member_count=len(members))
        SegmentMembership.objects.bulk_create(
            [SegmentMembership(segment_id=segment_id, contact_id=cid, entered_at=NOW) for cid in members])
    return ids
