"""The set-based re-score against the engine: the same numbers for every contact, caps,
decay, negative points, per-day caps in the account's zone, period caps, JSON properties,
tags and companies; the re-score writes, its preview and the explanations agree."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest

from sarnakh.contacts.models import Company, Contact, StageChange, Tag
from sarnakh.contacts.services import contact_upsert
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventRecord
from sarnakh.scoring import bulk, facts_loader, selectors, services
from sarnakh.scoring.engine import ModelSpec, default_model_dict, score_contact
from sarnakh.scoring.models import ContactScore, ScoreHistory, ScoringModel
from sarnakh.scoring.rescore import rescore_execute, rescore_start
from sarnakh.tracking.models import Event

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)

CUSTOM = {
    "key": "custom",
    "name": "Custom",
    "half_life_days": 10,
    "grade_cutoffs": {"A": 30, "B": 20, "C": 10},
    "qualification": {"kind": "combined", "min_combined": 40},
    "fit_rules": [
        {"key": "vip", "label": "VIP tag", "points": 12.5, "conditions": [{"field": "tags", "op": "in", "value": ["vip"]}]},
        {"key": "big", "label": "Big company", "points": 20,
         "conditions": [{"field": "company.employee_band", "op": "gte", "value": "201-500"}]},
        {"key": "tier", "label": "Tier", "points": 7.25, "conditions": [{"field": "properties.tier", "op": "eq", "value": "gold"}]},
        {"key": "no_company", "label": "No company", "points": -3, "conditions": [{"field": "company.name", "op": "is_not_set"}]},
    ],
    "engagement_rules": [
        {"key": "pricing", "label": "Pricing", "event_type": "page_view", "points": 15, "intent": "high", "max_per_day": 2,
         "max_total": 3, "conditions": [{"field": "path", "op": "path_matches", "value": ["/pricing*"]}]},
        {"key": "docs", "label": "Docs", "event_type": "page_view", "points": 4, "intent": "low",
         "max_points_per_period": {"points": 10, "days": 2}, "conditions": [{"field": "path", "op": "starts_with", "value": ["/docs"]}]},
        {"key": "demo", "label": "Demo", "event_type": "track", "event_name": "Demo_Requested", "points": 40, "intent": "high",
         "half_life_days": 0},
        {"key": "plan", "label": "Plan", "event_type": "track", "points": 6.33, "intent": "high",
         "conditions": [{"field": "properties.plan", "op": "in", "value": ["pro", "team"]}]},
        {"key": "careers", "label": "Careers", "event_type": "any", "points": -10, "max_per_day": 1,
         "conditions": [{"field": "url", "op": "contains_any", "value": ["careers"]}]},
        {"key": "unsub", "label": "Unsubscribed", "event_type": "track", "event_name": "unsubscribed", "points": -50, "max_total": 1},
    ],
}


def _contact(email, **extra):
    with clock.frozen_at(NOW - dt.timedelta(days=200)):
        return contact_upsert(data={"email": email, **extra}, actor=Actor.system()).contact


def _event(contact, at, *, path="", name="", url=None, properties=None, type_=None, is_bot=False):
    type_ = type_ or ("track" if name else "page_view")
    return Event.objects.create(
        source="test", event_id=f"b{next(_ids)}", type=type_, name=name, path=path,
        url=url if url is not None else (f"https://www.example.com{path}" if path else ""),
        occurred_at=at, received_at=at, processed_at=at, contact=contact, properties=properties or {}, is_bot=is_bot,
    )


def _population(seed: int = 7, people: int = 25):
    rng = random.Random(seed)
    made = {"created_at": NOW, "updated_at": NOW}
    big = Company.objects.create(name="Big Co", domain="big.example", employee_band="501-1000", **made)
    small = Company.objects.create(name="Small Co", domain="small.example", employee_band="1-10", **made)
    vip = Tag.objects.create(name="vip")
    titles = ["Sales Manager", "مدير فروش", "Intern", "Head of Marketing", ""]
    contacts = []
    for i in range(people):
        contact = _contact(f"p{i}@{rng.choice(['acme.com', 'gmail.com', 'big.example'])}", job_title=rng.choice(titles))
        contact.company = rng.choice([big, small, None])
        contact.properties = {"tier": rng.choice(["gold", "silver", None]), "bant_budget": rng.choice([True, False, None])}
        contact.save(update_fields=["company", "properties"])
        if rng.random() < 0.3:
            contact.tags.add(vip)
        for _ in range(rng.randint(0, 30)):
            at = NOW - dt.timedelta(days=rng.uniform(-0.5, 90), seconds=rng.randint(0, 3600))
            kind = rng.random()
            if kind < 0.35:
                _event(contact, at, path=rng.choice(["/pricing", "/pricing/team", "/blog/x", "/docs/a", "/careers"]))
            elif kind < 0.45:
                _event(contact, at, path="", url=f"https://www.example.com{rng.choice(['/pricing', '/docs/z'])}?utm=1")
            elif kind < 0.6:
                _event(contact, at, name=rng.choice(["demo_requested", "DEMO_REQUESTED", "unsubscribed", "email_open"]))
            elif kind < 0.75:
                _event(contact, at, name="signup", properties={"plan": rng.choice(["pro", "team", "free", 3, None])})
            elif kind < 0.8:
                _event(contact, at, path="/pricing", is_bot=True)
            else:
                _event(contact, at.replace(hour=23, minute=50), path="/pricing")
        contacts.append(contact)
    return contacts


def _engine_results(spec: ModelSpec, now: dt.datetime):
    tz = facts_loader.account_tz()
    ids = list(Contact.objects.filter(merged_into__isnull=True).values_list("pk", flat=True))
    found = {}
    for contact_id, facts in facts_loader.facts_for_ids(ids).items():
        result = score_contact(spec, facts.person, facts.events, now, tz=tz)
        found[contact_id] = (result.fit, result.engagement, result.grade, result.qualified)
    return found


@pytest.mark.parametrize("spec_dict", [default_model_dict(), CUSTOM], ids=["default", "custom"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Tehran"])
def test_set_based_scores_equal_the_engine_for_every_contact(spec_dict, zone, settings):
    # given contacts with mixed behaviour, properties, tags and companies, in an account zone
    settings.TIME_ZONE = zone
    _population()
    spec = ModelSpec.parse(spec_dict)
    # when the SQL scores everyone, in small batches
    sql = bulk.results(spec, now=NOW, batch=7)
    # then every contact's fit, engagement, grade and bar equal the engine's
    engine = _engine_results(spec, NOW)
    assert sql.keys() == engine.keys()
    mismatches = {cid: (sql[cid], engine[cid]) for cid in engine if sql[cid] != engine[cid]}
    assert mismatches == {}
    assert any(values[1] != 0 for values in engine.values())  # the population exercises engagement


def test_decay_at_exact_half_lives_and_future_events_round_like_the_engine():
    # given events exactly one, two and three half-lives old, and one in the future
    contact = _contact("exact@acme.com")
    spec = ModelSpec.parse(CUSTOM)
    for days in (10, 20, 30):
        _event(contact, NOW - dt.timedelta(days=days), path="/docs/x")
    _event(contact, NOW + dt.timedelta(hours=1), path="/pricing")
    # when scored both ways
    sql = bulk.results(spec, now=NOW)[contact.pk]
    # then they agree to the cent (docs 4 × 0.5 + 4 × 0.25 + 4 × 0.125; pricing 15 undecayed)
    assert sql == _engine_results(spec, NOW)[contact.pk]
    assert sql[1] == Decimal("18.50")


def test_rescore_after_a_rule_change_stores_what_scoring_from_scratch_gives_and_preview_agrees():
    # given scored contacts under the default model
    contacts = _population(seed=11, people=20)
    model = ScoringModel.objects.get(is_default=True)
    for contact in contacts:
        services.contact_score_refresh(contact_id=contact.pk, now=NOW - dt.timedelta(days=1))
    # when the pricing rule is doubled, previewed, saved and re-scored in bulk
    draft = default_model_dict()
    draft["engagement_rules"][0]["points"] = 30
    preview = selectors.scoring_model_preview(key=model.key, spec_dict=draft, now=NOW)
    version = services.scoring_model_save(key=model.key, spec_dict=draft, note="double pricing")
    outcome = bulk.rescore_model(model, now=NOW, batch=6)
    # then the stored numbers equal scoring from scratch with the new rules
    spec = ModelSpec.parse(draft)
    engine = _engine_results(spec, NOW)
    stored = {
        row.contact_id: (row.fit, row.engagement, row.grade, row.qualified)
        for row in ContactScore.objects.filter(model=model)
    }
    assert stored == engine
    assert set(ContactScore.objects.filter(model=model).values_list("version_id", flat=True)) == {version.pk}
    # and the preview predicted the crossings the re-score made
    assert preview["would_cross"] == outcome.crossed
    assert preview["contacts"] == outcome.total == len(contacts)
    assert preview["qualified_after"] == sum(1 for v in engine.values() if v[3])
    # and each explanation adds up to its stored numbers
    for contact in contacts:
        score = selectors.contact_score(contact_id=contact.pk)
        fit = sum(Decimal(str(i["points"])) for i in score["breakdown"] if i["dimension"] == "fit")
        engagement = sum(Decimal(str(i["points"])) for i in score["breakdown"] if i["dimension"] == "engagement")
        row = ContactScore.objects.get(contact=contact, model=model)
        assert (fit, engagement) == (row.fit, row.engagement)
        assert Decimal(str(score["score"])) == row.score


def test_rescore_writes_history_only_for_changed_values_and_flags_drops_below_the_bar():
    # given a qualified contact and a quiet one, scored
    hot = _contact("hot@acme.com", job_title="Sales Manager")
    quiet = _contact("quiet@acme.com", job_title="Intern")
    for minute in (1, 2, 3):
        _event(hot, NOW - dt.timedelta(hours=2, minutes=minute), path="/pricing")
    _event(hot, NOW - dt.timedelta(hours=1), name="demo_requested")
    model = ScoringModel.objects.get(is_default=True)
    with clock.frozen_at(NOW):
        services.contact_score_refresh(contact_id=hot.pk, now=NOW)
        services.contact_score_refresh(contact_id=quiet.pk, now=NOW)
    assert ContactScore.objects.get(contact=hot, model=model).qualified
    history_before = ScoreHistory.objects.count()
    # when the demo rule is removed and everyone is re-scored at the same moment
    draft = default_model_dict()
    draft["engagement_rules"] = [r for r in draft["engagement_rules"] if r["key"] != "demo_requested"]
    services.scoring_model_save(key=model.key, spec_dict=draft)
    outcome = bulk.rescore_model(model, now=NOW)
    # then only the hot contact changed: a history point, below the bar, stage kept
    hot_row = ContactScore.objects.get(contact=hot, model=model)
    assert (hot_row.qualified, hot_row.below_bar) == (False, True)
    assert ScoreHistory.objects.count() == history_before + 1
    assert outcome.changed == 1 and outcome.crossed == 0
    hot.refresh_from_db()
    assert hot.stage_id == "mql"


def test_a_bulk_crossing_promotes_through_the_real_time_path_once():
    # given a lead who does not qualify under the current rules
    lead = _contact("lead@acme.com", job_title="Sales Manager")
    for minute in (1, 2, 3):
        _event(lead, NOW - dt.timedelta(hours=1, minutes=minute), path="/pricing")
    model = ScoringModel.objects.get(is_default=True)
    services.contact_score_refresh(contact_id=lead.pk, now=NOW)
    assert not ContactScore.objects.get(contact=lead, model=model).qualified
    # when the bar is lowered and the run is queued and executed like the job does
    draft = default_model_dict()
    draft["qualification"]["min_engagement"] = 30
    services.scoring_model_save(key=model.key, spec_dict=draft)
    with clock.frozen_at(NOW):
        run = rescore_start(model_key=model.key)
        finished = rescore_execute(run.pk)
        lead.refresh_from_db()
        assert lead.stage_id == "lead"  # the crossing's effects are a job queued with the scores
        assert ContactScore.objects.get(contact=lead, model=model).qualified_since == NOW
        run_pending_jobs()
    # then the lead crossed once, moved to MQL with the reason, and the run recorded it
    lead.refresh_from_db()
    assert lead.stage_id == "mql"
    assert (finished.status, finished.crossed, finished.total, finished.done) == ("done", 1, 1, 1)
    change = StageChange.objects.filter(contact=lead, to_stage="mql").get()
    assert change.rule == "default@v2" and "engagement at least 30" in change.reason
    assert EventRecord.objects.filter(name="contact.qualified", contact_id=lead.pk).count() == 1
    # and a second run changes nothing
    with clock.frozen_at(NOW):
        again = rescore_execute(rescore_start(model_key=model.key).pk)
        run_pending_jobs()
    assert (again.crossed, again.changed) == (0, 0)
    assert EventRecord.objects.filter(name="contact.qualified", contact_id=lead.pk).count() == 1
