"""Scoring on the database: the shipped model, refreshing scores, crossing the bar once,
falling below it, versions, property changes through a job."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from decimal import Decimal

import pytest
from django.apps import apps

from sarnakh.contacts.models import PropertyDefinition, StageChange
from sarnakh.contacts.services import contact_change_stage, contact_update, contact_upsert
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventRecord
from sarnakh.scoring import services
from sarnakh.scoring.engine import DEFAULT_MODEL_KEY, SpecError, default_model_dict
from sarnakh.scoring.models import ContactScore, ScoreHistory, ScoringModel
from sarnakh.tracking.models import Event

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


def ensure_scoring_defaults() -> None:
    """Transactional tests flush the data migration's rows; put them back."""
    importlib.import_module("sarnakh.scoring.migrations.0002_default_model").create_defaults(apps, None)


def make_contact(email="sara@acme-industries.com", job_title="Sales Manager", **extra):
    with clock.frozen_at(extra.pop("at", T0)):
        return contact_upsert(data={"email": email, "job_title": job_title, **extra}, actor=Actor.system()).contact


def add_event(contact, *, at, path="", name="", type_=None):
    type_ = type_ or ("track" if name else "page_view")
    return Event.objects.create(
        source="test", event_id=f"t{next(_ids)}", type=type_, name=name, path=path, url=f"https://www.example.com{path}",
        occurred_at=at, received_at=at, processed_at=at, contact=contact,
    )


def hot_lead(contact, at=T0):
    for minute in (1, 2, 3):
        add_event(contact, at=at + dt.timedelta(minutes=minute), path="/pricing")
    add_event(contact, at=at + dt.timedelta(minutes=4), name="demo_requested")


def refresh(contact, at, **kwargs):
    with clock.frozen_at(at):
        return services.contact_score_refresh(contact_id=contact.pk, now=at, **kwargs)


def test_the_shipped_default_model_and_bant_properties_exist_after_migrating():
    model = ScoringModel.objects.get(key=DEFAULT_MODEL_KEY)
    assert model.is_default and model.is_active
    assert model.current_version.number == 1
    assert model.current_version.spec["engagement_rules"][0]["key"] == "pricing_page"
    bant = PropertyDefinition.objects.filter(object_type="contact", key__startswith="bant_")
    assert sorted(bant.values_list("key", "type")) == [
        ("bant_authority", "boolean"), ("bant_budget", "boolean"), ("bant_need", "boolean"), ("bant_timeline", "boolean"),
    ]


def test_refresh_stores_the_score_whose_breakdown_adds_up_and_writes_history_only_on_change():
    # given a manager with a company email who read a blog post
    contact = make_contact()
    add_event(contact, at=T0 + dt.timedelta(minutes=5), path="/blog/how-to")
    # when scored twice at the same moment
    [first] = refresh(contact, T0 + dt.timedelta(hours=1))
    [again] = refresh(contact, T0 + dt.timedelta(hours=1))
    # then the stored score explains itself and the trend has one point
    assert (first.fit, first.grade, first.qualified) == (Decimal("35.00"), "B", False)
    fit_items = [i for i in again.breakdown["breakdown"] if i["dimension"] == "fit"]
    engagement_items = [i for i in again.breakdown["breakdown"] if i["dimension"] == "engagement"]
    assert {i["rule"] for i in fit_items} == {"company_email", "manager_title"}
    assert sum(Decimal(str(i["points"])) for i in fit_items) == again.fit
    assert sum(Decimal(str(i["points"])) for i in engagement_items) == again.engagement > 0
    assert ContactScore.objects.count() == 1
    assert ScoreHistory.objects.count() == 1
    # when time passes, decay lowers engagement: a second trend point
    refresh(contact, T0 + dt.timedelta(days=10))
    assert ScoreHistory.objects.count() == 2


def test_crossing_the_bar_moves_a_lead_to_mql_once_with_the_reason_and_an_event():
    # given a hot lead
    contact = make_contact()
    hot_lead(contact)
    # when scored, then scored again after another event
    [score] = refresh(contact, T0 + dt.timedelta(minutes=10))
    add_event(contact, at=T0 + dt.timedelta(minutes=20), path="/case-studies/acme")
    refresh(contact, T0 + dt.timedelta(minutes=30))
    # then the contact is an MQL, moved once by the rule with the values and the bar in the reason
    contact.refresh_from_db()
    assert contact.stage_id == "mql"
    assert score.qualified and score.qualified_since == T0 + dt.timedelta(minutes=10)
    [move] = StageChange.objects.filter(contact=contact, to_stage="mql")
    assert (move.source, move.rule, move.from_stage) == ("rule", "default@v1", "lead")
    assert "Default model" in move.reason and "grade B" in move.reason and "engagement at least 60" in move.reason
    # and the crossing is announced once (contact.qualified) with the model and its values
    [event] = EventRecord.objects.filter(name="contact.qualified")
    assert event.contact_id == contact.pk
    assert (event.payload["model"], event.payload["version"], event.payload["moved_to_mql"], event.payload["grade"]) == ("default", 1, True, "B")
    assert event.payload["since"] == (T0 + dt.timedelta(minutes=10)).isoformat()


def test_a_blog_reader_does_not_qualify():
    contact = make_contact()
    for day in range(3):
        add_event(contact, at=T0 + dt.timedelta(days=day), path=f"/blog/post-{day}")
    [score] = refresh(contact, T0 + dt.timedelta(days=3))
    contact.refresh_from_db()
    assert not score.qualified and contact.stage_id == "lead"
    assert not EventRecord.objects.filter(name="contact.qualified").exists()


def test_falling_below_the_bar_is_flagged_and_the_stage_stays():
    contact = make_contact()
    hot_lead(contact)
    refresh(contact, T0 + dt.timedelta(minutes=10))
    # when 60 days pass (two half-lives), engagement decays under 60
    [score] = refresh(contact, T0 + dt.timedelta(days=60))
    contact.refresh_from_db()
    assert (score.qualified, score.below_bar, contact.stage_id) == (False, True, "mql")
    assert score.qualified_since == T0 + dt.timedelta(minutes=10)
    assert StageChange.objects.filter(contact=contact, to_stage="mql").count() == 1


def test_side_states_and_later_stages_are_not_touched_but_the_crossing_is_recorded():
    recycled = make_contact(email="rec@acme-industries.com")
    contact_change_stage(contact_id=recycled.pk, stage_key="recycled", reason="not now", actor=Actor.system())
    customer = make_contact(email="cust@acme-industries.com", stage="customer")
    for contact in (recycled, customer):
        hot_lead(contact)
        [score] = refresh(contact, T0 + dt.timedelta(minutes=10))
        contact.refresh_from_db()
        assert score.qualified
    assert (recycled.stage_id, customer.stage_id) == ("recycled", "customer")
    assert [e.payload["moved_to_mql"] for e in EventRecord.objects.filter(name="contact.qualified")] == [False, False]


def test_a_non_default_model_crossing_does_not_move_the_stage():
    spec = {**default_model_dict(), "key": "enterprise", "name": "Enterprise"}
    services.scoring_model_save(key="enterprise", spec_dict=spec, note="copy")
    contact = make_contact()
    hot_lead(contact)
    [score] = refresh(contact, T0 + dt.timedelta(minutes=10), model="enterprise")
    contact.refresh_from_db()
    assert score.qualified and score.model.key == "enterprise"
    assert contact.stage_id == "lead"


def test_saving_rules_makes_a_new_version_and_the_same_rules_change_nothing(admin_user):
    spec = default_model_dict()
    spec["engagement_rules"][0]["points"] = 20
    version = services.scoring_model_save(key="default", spec_dict=spec, note="pricing is worth more", user=admin_user)
    assert (version.number, version.note, version.created_by) == (2, "pricing is worth more", admin_user)
    assert ScoringModel.objects.get(key="default").current_version == version
    assert services.scoring_model_save(key="default", spec_dict=spec, note="again").pk == version.pk


def test_invalid_rules_are_refused_with_the_field_paths():
    spec = default_model_dict()
    spec["engagement_rules"][2]["points"] = "lots"
    spec["grade_cutoffs"] = {"A": 10, "B": 20, "C": 5}
    with pytest.raises(SpecError) as caught:
        services.scoring_model_save(key="default", spec_dict=spec)
    assert {"engagement_rules.2.points", "grade_cutoffs"} <= set(caught.value.fields)
    with pytest.raises(SpecError) as caught:
        services.scoring_model_save(key="other", spec_dict=default_model_dict())
    assert "key" in caught.value.fields
    assert ScoringModel.objects.get(key="default").current_version.number == 1


def test_bant_answers_give_fit_points():
    contact = make_contact(email="ali@gmail.com", job_title="Engineer", properties={"bant_budget": "yes", "bant_need": True})
    [score] = refresh(contact, T0 + dt.timedelta(minutes=1))
    assert {i["rule"] for i in score.breakdown["breakdown"]} == {"bant_budget", "bant_need"}
    assert score.fit == Decimal("10.00")


def test_rescore_all_scores_every_live_contact():
    for n in range(3):
        make_contact(email=f"p{n}@acme-industries.com")
    with clock.frozen_at(T0 + dt.timedelta(hours=1)):
        assert services.contacts_rescore_all(model_key="default") == 3
    assert ContactScore.objects.count() == 3


def test_a_property_change_is_scored_by_a_job_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        contact = make_contact(job_title="Engineer")
    assert len(callbacks) >= 1
    run_pending_jobs()
    assert ContactScore.objects.get(contact=contact).fit == Decimal("15.00")
    # when the title changes, a job re-scores the contact
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(contact_id=contact.pk, data={"job_title": "Head of Marketing"}, actor=Actor.system())
    assert run_pending_jobs() == 1
    assert ContactScore.objects.get(contact=contact).fit == Decimal("35.00")
    # and an update that changes nothing queues nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        contact_update(contact_id=contact.pk, data={"job_title": "Head of Marketing"}, actor=Actor.system())
    assert callbacks == [] and run_pending_jobs() == 0


def test_a_merge_drops_the_losers_score_and_rescores_the_survivor():
    from sarnakh.contacts.merge import contact_merge

    survivor = make_contact(email="s@acme-industries.com", job_title="Engineer")
    loser = make_contact(email="l@acme-industries.com")
    hot_lead(loser)
    refresh(loser, T0 + dt.timedelta(minutes=10))
    contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=Actor.system())
    run_pending_jobs()  # scoring's reaction to contact.merged
    assert not ContactScore.objects.filter(contact=loser).exists()
    score = ContactScore.objects.get(contact=survivor)
    assert score.engagement > 0 and {"pricing_page", "demo_requested"} <= {i["rule"] for i in score.breakdown["breakdown"]}


def test_the_recompute_command_scores_everyone_and_names_an_unknown_model(capsys):
    import argparse

    from sarnakh.scoring.commands import add_subcommands

    parser = argparse.ArgumentParser()
    add_subcommands(parser.add_subparsers(dest="command"))
    make_contact()
    args = parser.parse_args(["score", "recompute"])
    assert args.func(args) == 0
    assert "Re-scored 1 contacts" in capsys.readouterr().out
    args = parser.parse_args(["score", "recompute", "--model", "nope"])
    assert args.func(args) == 2
    assert "Scoring model not found." in capsys.readouterr().err
