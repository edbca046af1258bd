"""A generated lead history written straight into the database (bulk inserts), with a
known signal deciding who becomes a customer: for the own-data predictive tests and
bench/model_train.py.

Contacts carry a job title, channel, country, a company (industry, size) and a BANT
budget answer; tracked behaviour is page views (pricing pages among them) and
`demo_requested` events before the outcome, all driven by the same hidden logistic
model. Customers also log in to the product after buying (`product_login` events) and
get a `customer_since` property afterwards: features that give the outcome away, which
the leakage guard must leave out.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sarnakh.contacts.models import Activity, Company, Contact, StageChange
from sarnakh.tracking.models import Event, Session

TITLES = {"Sales Manager": 0.9, "Head of Marketing": 0.9, "مدیر فروش": 0.8, "CEO": 0.5, "Marketing Specialist": 0.0,
          "Engineer": -0.4, "Student": -1.2, "دانشجو": -1.2}
CHANNELS = {"referral": 0.7, "organic_search": 0.3, "email": 0.2, "paid_search": 0.0, "social": -0.4, "cold_email": -0.6,
            "list_import": -0.8}
INDUSTRIES = {"Software": 0.6, "Finance": 0.4, "Retail": -0.2, "Education": -0.6, "Manufacturing": 0.1}
BANDS = {"1-10": -0.6, "11-50": 0.0, "51-200": 0.3, "201-500": 0.5}
BUDGET = {"yes": 0.6, "no": -0.6, "not sure": 0.0}
BATCH = 5000


def _pick(rng, effects: dict, n: int):
    names = list(effects)
    index = rng.integers(0, len(names), size=n)
    return np.array(names, dtype=object)[index], np.array(list(effects.values()))[index]


def generate_history(n: int, *, now: dt.datetime, seed: int = 11, days: int = 400, intercept: float = -2.2,
                     companies: int = 200) -> dict:
    """Writes `n` contacts with their stage history and tracked events; returns each
    contact's id and true conversion probability (in creation order) and the counts."""
    rng = np.random.default_rng(seed)
    industry, e_industry = _pick(rng, INDUSTRIES, companies)
    band, e_band = _pick(rng, BANDS, companies)
    company_rows = Company.objects.bulk_create(
        [Company(name=f"Generated Co {i}", domain=f"gen{i}-{seed}.example", industry=industry[i], employee_band=band[i],
                 country="IR", created_at=now - dt.timedelta(days=days + 5), updated_at=now) for i in range(companies)],
        batch_size=BATCH,
    )
    company_index = rng.integers(0, companies, size=n)
    title, e_title = _pick(rng, TITLES, n)
    channel, e_channel = _pick(rng, CHANNELS, n)
    budget, e_budget = _pick(rng, BUDGET, n)
    interest = rng.normal(size=n)
    pricing_views = rng.poisson(np.exp(-0.8 + 0.7 * interest))
    other_views = rng.poisson(np.exp(0.7 + 0.3 * interest))
    demos = rng.binomial(1, 1 / (1 + np.exp(-(-2.0 + 1.2 * interest))))
    z = (intercept + e_title + e_channel + e_budget + e_industry[company_index] + e_band[company_index]
         + 0.6 * np.log1p(pricing_views) + 0.9 * demos)
    truth = 1 / (1 + np.exp(-z))
    created = np.sort(rng.uniform(1, days, size=n))[::-1]  # days before now; oldest first
    to_outcome = rng.uniform(3, 50, size=n)  # days from creation to buying
    converted = (rng.random(n) < truth) & (created - to_outcome > 0.01)

    contacts = []
    for i in range(n):
        at = now - dt.timedelta(days=float(created[i]))
        contacts.append(Contact(
            first_name=f"Lead{i}", email=f"lead{i}-{seed}@gen{company_index[i]}-{seed}.example", job_title=title[i],
            country="IR", language="fa", channel=channel[i], source_type="outbound" if channel[i] in ("cold_email", "list_import") else "inbound",
            company=company_rows[company_index[i]], stage_id="customer" if converted[i] else "lead",
            properties={"budget": budget[i], **({"customer_since": "2025"} if converted[i] else {})},
            created_at=at, updated_at=at,
        ))
    saved = Contact.objects.bulk_create(contacts, batch_size=BATCH)
    ids = [c.pk for c in saved]

    changes, events, sessions, history = [], [], [], []
    event_count = 0

    def add_event(i: int, at: dt.datetime, kind: str, name: str, path: str) -> None:
        nonlocal event_count
        event_count += 1
        events.append(Event(
            source="internal", event_id=f"gen-{seed}-{event_count}", type=kind, name=name, visitor_id=f"gen-{seed}-{i}",
            occurred_at=at, received_at=at, processed_at=at, path=path, url=f"https://example.ir{path}", contact_id=ids[i],
        ))

    for i in range(n):
        born = now - dt.timedelta(days=float(created[i]))
        changes.append(StageChange(contact_id=ids[i], from_stage="", to_stage="lead", changed_at=born, source="import"))
        outcome = born + dt.timedelta(days=float(to_outcome[i]))
        if converted[i]:
            changes.append(StageChange(contact_id=ids[i], from_stage="lead", to_stage="customer", changed_at=outcome, source="user"))
            # Sales fill in `customer_since` once the deal is signed: the property history says when.
            history.append(Activity(contact_id=ids[i], kind="updated", occurred_at=outcome + dt.timedelta(hours=2),
                                    data={"changes": {"properties.customer_since": [None, "2025"]}}))
        # Behaviour before the outcome moment (or, for those who never bought, within the same window).
        window = max(min(float(to_outcome[i]), float(created[i])) - 0.01, 0.01)
        visits = []
        for path, count in (("/pricing", pricing_views[i]), ("/blog/lead-scoring", other_views[i])):
            for _ in range(int(count)):
                at = born + dt.timedelta(days=float(rng.uniform(0, window)))
                add_event(i, at, "page_view", "", path)
                visits.append(at)
        if demos[i]:
            add_event(i, born + dt.timedelta(days=float(rng.uniform(0, window))), "track", "demo_requested", "/demo")
        if converted[i]:
            for _ in range(int(rng.integers(3, 8))):  # customers use the product: after the outcome only
                at = outcome + dt.timedelta(days=float(rng.uniform(0.01, max(float(created[i]) - float(to_outcome[i]), 0.02))))
                if at < now:
                    add_event(i, at, "track", "product_login", "/app")
        for at in sorted(visits)[:3]:
            sessions.append(Session(visitor_id=f"gen-{seed}-{i}", contact_id=ids[i], started_at=at, last_event_at=at, channel=channel[i]))
        if len(events) >= 4 * BATCH:
            Event.objects.bulk_create(events, batch_size=BATCH)
            events = []
    Event.objects.bulk_create(events, batch_size=BATCH)
    StageChange.objects.bulk_create(changes, batch_size=BATCH)
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    Activity.objects.bulk_create(history, batch_size=BATCH)
    return {"ids": np.array(ids), "truth": truth, "converted": converted, "created_days_ago": created,
            "events": event_count, "customers": int(converted.sum())}
