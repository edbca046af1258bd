"""The score API (explanations that add up, models, versions, preview) and the score card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.scoring import selectors, services
from sarnakh.scoring.engine import default_model_dict
from sarnakh.scoring.models import ContactScore
from tests.scoring.test_models_services import T0, add_event, hot_lead, make_contact, refresh

pytestmark = pytest.mark.django_db
LATER = T0 + dt.timedelta(hours=2)


def sums(body):
    total = {"fit": Decimal(0), "engagement": Decimal(0)}
    for item in body["breakdown"]:
        total[item["dimension"]] += Decimal(str(item["points"]))
    return total


def test_a_never_scored_contact_gets_a_fresh_score_whose_breakdown_adds_up(read_api):
    contact = make_contact()
    hot_lead(contact)
    add_event(contact, at=T0 - dt.timedelta(days=17), path="/blog/old")  # decayed to an odd fraction
    with clock.frozen_at(LATER):
        response = read_api.get(f"/api/v1/contacts/{contact.pk}/score")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["model"], body["version"], body["grade"], body["stored"]) == ("default", 1, "B", False)
    assert sums(body) == {"fit": Decimal(str(body["fit"])), "engagement": Decimal(str(body["engagement"]))}
    assert Decimal(str(body["score"])) == Decimal(str(body["fit"])) + Decimal(str(body["engagement"]))
    blog = next(i for i in body["breakdown"] if i["rule"] == "blog_post")
    assert blog["raw_points"] == 2 and 0 < blog["points"] < 2 and blog["source"].startswith("event:") and blog["at"]
    assert not ContactScore.objects.exists()


def test_a_stored_score_is_returned_with_its_flags(read_api):
    contact = make_contact()
    hot_lead(contact)
    refresh(contact, LATER)
    body = read_api.get(f"/api/v1/contacts/{contact.pk}/score", {"model": "default"}).json()
    assert body["stored"] and body["qualified"] and not body["below_bar"]
    assert body["computed_at"].startswith("2026-11-02T11:00")
    assert sums(body) == {"fit": Decimal(str(body["fit"])), "engagement": Decimal(str(body["engagement"]))}
    assert {i["rule"] for i in body["breakdown"]} >= {"company_email", "manager_title", "pricing_page", "demo_requested"}


def test_unknown_contact_or_model_is_404_and_a_key_is_needed(read_api, anon_api):
    assert read_api.get("/api/v1/contacts/999999/score").json()["error"]["code"] == "not_found"
    contact = make_contact()
    assert read_api.get(f"/api/v1/contacts/{contact.pk}/score", {"model": "nope"}).status_code == 404
    assert anon_api.get(f"/api/v1/contacts/{contact.pk}/score").status_code == 401


def test_models_are_listed_with_their_rules_and_versions(read_api):
    [model] = read_api.get("/api/v1/scoring/models").json()
    assert (model["key"], model["is_default"], model["version"]) == ("default", True, 1)
    detail = read_api.get("/api/v1/scoring/models/default").json()
    assert detail["spec"]["qualification"]["min_engagement"] == 60
    assert [v["number"] for v in detail["versions"]] == [1]
    assert read_api.get("/api/v1/scoring/models/nope").status_code == 404


def test_saving_rules_needs_a_write_key_validates_and_versions(read_api, write_api):
    spec = default_model_dict()
    spec["qualification"]["min_engagement"] = 50
    assert read_api.put("/api/v1/scoring/models/default", {"spec": spec}).status_code == 403
    response = write_api.put("/api/v1/scoring/models/default", {"spec": spec, "note": "lower bar"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2 and [v["note"] for v in body["versions"]] == ["lower bar", "Shipped default model"]
    spec["fit_rules"][0]["conditions"][0]["op"] = "sounds_like"
    bad = write_api.put("/api/v1/scoring/models/default", {"spec": spec})
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {"fit_rules.0.conditions.0.op": ["Unknown operator 'sounds_like'."]}


def test_preview_bulk_rescore_and_explanations_agree(write_api, read_api):
    # given a hot lead and two blog readers, scored with the current rules
    hot = make_contact(email="hot@acme-industries.com")
    hot_lead(hot)
    readers = [make_contact(email=f"r{n}@acme-industries.com") for n in range(2)]
    for reader in readers:
        for minute in range(3):
            add_event(reader, at=T0 + dt.timedelta(minutes=minute), path=f"/blog/{minute}")
    quiet = make_contact(email="quiet@acme-industries.com")  # no behaviour
    run_pending_jobs()  # what their creation queued (real-time scoring) is long done
    draft = default_model_dict()
    draft["qualification"]["min_engagement"] = 5
    draft["grade_cutoffs"] = {"A": 34, "B": 20, "C": 10}
    with clock.frozen_at(LATER):
        for contact in (hot, *readers, quiet):
            services.contact_score_refresh(contact_id=contact.pk)
        # when the draft is previewed
        preview = write_api.post("/api/v1/scoring/models/default/preview", {"spec": draft})
        assert preview.status_code == 200, preview.content
        counts = preview.json()
        # then every live contact was considered: all move up to A, the two readers would cross the bar
        assert (counts["contacts"], counts["grade_changes"], counts["would_cross"], counts["would_drop"]) == (4, 4, 2, 0)
        assert (counts["qualified_before"], counts["qualified_after"]) == (1, 3)
        assert counts["grades_before"] == {"B": 4} and counts["grades_after"] == {"A": 4}
        # when saved, the re-score run the save queued agrees with the preview and the explanations
        saved = write_api.put("/api/v1/scoring/models/default", {"spec": draft})
        assert saved.status_code == 200 and saved.json()["rescore_id"]
        run_pending_jobs()
        run = read_api.get(f"/api/v1/scoring/rescores/{saved.json()['rescore_id']}").json()
    assert (run["status"], run["percent"], run["total"], run["crossed"]) == ("done", 100, 4, counts["would_cross"])
    scored = ContactScore.objects.filter(contact__in=[hot, *readers])
    assert sorted(s.grade for s in scored) == ["A", "A", "A"] and all(s.qualified for s in scored)
    assert ContactScore.objects.get(contact=quiet).grade == "A"
    for row in scored:
        body = read_api.get(f"/api/v1/contacts/{row.contact_id}/score").json()
        assert body["version"] == 2 and Decimal(str(body["fit"])) + Decimal(str(body["engagement"])) == row.score
        assert sums(body)["engagement"] == row.engagement


def test_a_rescore_can_be_started_and_followed_and_unknown_ones_are_404(write_api, read_api):
    make_contact()
    started = write_api.post("/api/v1/scoring/models/default/rescore")
    assert started.status_code == 202 and started.json()["status"] == "queued"
    run_pending_jobs()
    body = read_api.get(f"/api/v1/scoring/rescores/{started.json()['id']}").json()
    assert (body["status"], body["done"], body["total"]) == ("done", 1, 1)
    assert read_api.get("/api/v1/scoring/rescores/999999").status_code == 404
    assert write_api.post("/api/v1/scoring/models/nope/rescore").status_code == 404


def test_preview_refuses_invalid_rules_with_field_errors(write_api):
    draft = default_model_dict()
    draft["half_life_days"] = -1
    response = write_api.post("/api/v1/scoring/models/default/preview", {"spec": draft})
    assert response.status_code == 422 and "half_life_days" in response.json()["error"]["fields"]


def test_the_score_card_shows_grade_flags_breakdown_and_trend():
    contact = make_contact()
    hot_lead(contact)
    refresh(contact, LATER)
    refresh(contact, LATER + dt.timedelta(days=60))  # decayed below the bar: a second trend point
    with clock.frozen_at(LATER + dt.timedelta(days=60)):
        html = render_to_string("scoring/_score_card.html", {"score_card": selectors.score_card_context(contact.pk)})
    assert 'id="score-grade"' in html and "Grade B" in html
    assert "Fell below the bar" in html
    assert "Requested or booked a demo" in html and "Viewed pricing" in html
    assert "<polyline" in html and "Trend over the last 2 changes" in html


def test_the_score_card_without_a_model_says_so():
    assert selectors.score_card_context(999999) is None
    html = render_to_string("scoring/_score_card.html", {"score_card": None})
    assert "No scoring model is set up yet." in html
