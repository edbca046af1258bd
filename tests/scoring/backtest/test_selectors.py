"""The backtest on the database: outcomes from the stage history, the API, the CLI, the
page with its chart, and the 100-MQLs-a-month question on the demo data."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse

from sarnakh.contacts.demo import load_demo
from sarnakh.contacts.models import StageChange
from sarnakh.contacts.services import contact_change_stage
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.scoring.backtest import selectors as backtest_selector
from sarnakh.scoring.commands import cmd_score_backtest
from sarnakh.scoring.engine import default_model_dict
from sarnakh.scoring.models import ContactScore
from sarnakh.tracking.demo import load_tracking_demo
from tests.scoring.test_models_services import add_event, hot_lead, make_contact

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
T = NOW - dt.timedelta(days=20)


def move(contact, stage, at):
    with clock.frozen_at(at):
        contact_change_stage(contact_id=contact.pk, stage_key=stage, actor=Actor.system())


@pytest.fixture
def history():
    """Three managers with company emails: two hot (one went on to customer), one reader."""
    won = make_contact(email="won@acme-industries.com", at=T)
    hot_lead(won, at=T + dt.timedelta(hours=1))
    move(won, "sql", T + dt.timedelta(days=1))
    move(won, "customer", T + dt.timedelta(days=9))
    lost = make_contact(email="lost@acme-industries.com", at=T)
    hot_lead(lost, at=T + dt.timedelta(hours=2))
    move(lost, "sql", T - dt.timedelta(minutes=1) + dt.timedelta(hours=2))  # sales got there first
    reader = make_contact(email="reader@acme-industries.com", at=T)
    for day in range(3):
        add_event(reader, at=T + dt.timedelta(days=day), path=f"/blog/{day}")
    return {"won": won, "lost": lost, "reader": reader}


def test_the_service_replays_the_model_in_use_with_outcomes_from_the_stage_history(history):
    # when the default model is replayed over the last month
    with clock.frozen_at(NOW):
        found = backtest_selector.scoring_backtest(months=1, target_per_month=1)
    result = found.result
    # then the two hot leads would have become MQLs, one went on to SQL and customer after it
    model = result.model.outcome
    assert (found.model.key, found.version, result.contacts) == ("default", 1, 3)
    assert (model.mqls, model.sql, model.customers, model.already_sql) == (2, 1, 1, 1)
    assert result.model.threshold == 60 and result.in_use is result.model and not result.draft
    # the stage history shows the won one reaching MQL-or-later at its SQL move
    assert total_recorded(result) == 2
    assert result.suggestion.meets_target and result.suggestion.point.outcome.mqls >= 1
    assert not ContactScore.objects.exists()  # a backtest writes nothing


def total_recorded(result):
    return sum(o.mqls for o in result.recorded)


def test_a_contact_created_past_a_stage_without_a_change_row_reached_it_when_created():
    imported = make_contact(email="imp@acme-industries.com", at=T, stage="customer")
    hot_lead(imported, at=T + dt.timedelta(hours=1))
    StageChange.objects.filter(contact=imported).delete()
    [found] = backtest_selector.histories([imported.pk])
    assert found.reached_customer_at == found.reached_sql_at == found.reached_mql_at == imported.created_at


def test_a_draft_is_compared_with_the_model_in_use(history):
    draft = default_model_dict()
    draft["qualification"]["min_engagement"] = 5
    with clock.frozen_at(NOW):
        result = backtest_selector.scoring_backtest(spec_dict=draft, months=1).result
    assert result.draft and result.model.outcome.mqls == 3 and result.in_use.outcome.mqls == 2


def test_bad_arguments_and_unknown_models_are_refused():
    with pytest.raises(ValidationFailed) as error:
        backtest_selector.scoring_backtest(months=0)
    assert "months" in error.value.fields
    with pytest.raises(NotFound):
        backtest_selector.scoring_backtest(model_key="nope")


# ------------------------------------------------------------------ API


def test_the_api_answers_with_months_curve_and_suggestion_for_a_read_key(history, read_api, anon_api):
    with clock.frozen_at(NOW):
        response = read_api.get("/api/v1/scoring/backtest", {"months": 2, "target_per_month": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["months"]) == 2 and body["months"][-1]["end"].startswith("2026-11-20")
    assert body["model"]["mqls"] == 2 and body["model"]["customer_rate"] == 0.5 and body["in_use_version"] == 1
    assert body["curve"] and all({"threshold", "per_month", "customer_rate"} <= set(p) for p in body["curve"])
    assert body["suggestion"]["meets_target"] is True and not body["draft"]
    assert anon_api.get("/api/v1/scoring/backtest").status_code == 401


def test_draft_rules_are_posted_with_a_write_key_and_compared_with_the_model_in_use(history, read_api, write_api):
    draft = default_model_dict()
    draft["qualification"]["min_engagement"] = 5
    with clock.frozen_at(NOW):
        response = write_api.post("/api/v1/scoring/backtest", {"spec": draft, "months": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["draft"] and (body["model"]["mqls"], body["in_use"]["mqls"]) == (3, 2)
    assert body["model"]["threshold"] == 5 and body["in_use"]["threshold"] == 60
    assert read_api.post("/api/v1/scoring/backtest", {"spec": draft}).status_code == 403


def test_the_api_refuses_bad_drafts_and_arguments_by_path(read_api, write_api):
    draft = default_model_dict()
    draft["engagement_rules"][2]["points"] = "many"
    bad = write_api.post("/api/v1/scoring/backtest", {"spec": draft})
    assert bad.status_code == 422 and "engagement_rules.2.points" in bad.json()["error"]["fields"]
    assert "months" in write_api.post("/api/v1/scoring/backtest", {"months": 25}).json()["error"]["fields"]
    assert "months" in read_api.get("/api/v1/scoring/backtest", {"months": 0}).json()["error"]["fields"]
    assert read_api.get("/api/v1/scoring/backtest", {"target_per_month": 0}).status_code == 422
    assert read_api.get("/api/v1/scoring/backtest", {"model": "nope"}).status_code == 404


# ------------------------------------------------------------------ CLI


def run_cli(**options):
    args = argparse.Namespace(**{"model": "", "spec": "", "months": 1, "target_per_month": None, "json": False, **options})
    out, err = io.StringIO(), io.StringIO()
    with clock.frozen_at(NOW):
        code = cmd_score_backtest(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_cli_prints_months_the_sweep_and_the_suggestion(history):
    code, out, _err = run_cli(target_per_month=1.0)
    assert code == 0
    assert "Backtest of model 'default'" in out and "Threshold sweep (min_engagement)" in out
    assert "← this bar" in out and "For 1 MQLs a month" in out
    assert "all months" in out and "50.0%" in out


def test_the_cli_json_is_one_object_and_errors_exit_2(history, tmp_path):
    code, out, _err = run_cli(json=True, months=2)
    body = json.loads(out)
    assert code == 0 and body["model"]["mqls"] == 2 and body["suggestion"] is None and len(body["months"]) == 2
    draft = default_model_dict()
    draft["half_life_days"] = -1
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(draft))
    code, _out, err = run_cli(spec=str(path))
    assert code == 2 and "half_life_days" in err
    assert run_cli(months=30)[0] == 2
    assert run_cli(spec=str(tmp_path / "missing.json"))[0] == 2


# ------------------------------------------------------------------ the page


def test_the_page_shows_the_tables_and_the_trade_off_chart(history, client, marketer):
    client.force_login(marketer)
    with clock.frozen_at(NOW):
        response = client.get(reverse("scoring:backtest"), {"months": 1, "target": 1})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="tradeoff-chart"' in html and "<circle" in html and 'class="suggested"' in html
    assert 'id="target-line"' in html and 'id="months-table"' in html and 'id="suggestion-text"' in html
    assert 'aria-current="page"' in html


def test_the_page_refuses_bad_input_and_users_without_a_role(client, marketer, django_user_model):
    client.force_login(marketer)
    response = client.get(reverse("scoring:backtest"), {"months": 99})
    assert response.status_code == 422 and "tradeoff-chart" not in response.content.decode()
    client.force_login(django_user_model.objects.create_user(username="nobody", password="pass-word-123"))
    assert client.get(reverse("scoring:backtest")).status_code == 403


def test_the_page_in_persian_uses_persian_digits(history, client, marketer):
    client.force_login(marketer)
    with clock.frozen_at(NOW):
        response = client.get(reverse("scoring:backtest"), {"months": 1, "target": 1}, HTTP_ACCEPT_LANGUAGE="fa")
    html = response.content.decode()
    assert response.status_code == 200 and "۵۰٫۰٪" in html


def test_the_chart_fills_its_card_and_the_text_sits_inside_the_padding(history, client, marketer):
    client.force_login(marketer)
    with clock.frozen_at(NOW):
        html = client.get(reverse("scoring:backtest"), {"months": 1, "target": 1}).content.decode()
    svg = re.search(r"<svg id=\"tradeoff-chart\"[^>]*>", html).group(0)
    assert 'width="100%"' in svg and "max-inline-size" not in svg and 'class="tradeoff-chart"' in svg
    suggestion = re.search(r'<section class="card results"[^>]*id="backtest-suggestion">(.*?)</section>', html, re.S).group(1)
    assert '<div class="results-body">' in suggestion and suggestion.index("results-body") < suggestion.index("<p")


def test_in_persian_the_chart_keeps_its_axes_left_to_right_and_draws_its_words_right_to_left(history, client, marketer):
    client.force_login(marketer)
    with clock.frozen_at(NOW):
        html = client.get(reverse("scoring:backtest"), {"months": 1, "target": 1}, HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    svg = re.search(r'<svg id="tradeoff-chart".*?</svg>', html, re.S).group(0)
    assert 'direction="ltr"' in svg.split(">", 1)[0]
    labels = re.findall(r'<text class="point-label"[^>]*>', svg)
    assert labels and all('direction="rtl"' in label for label in labels)
    # a label meant to the right of its point anchors at its end when drawn right to left
    assert all('text-anchor="end"' in label for label in labels if 'dx="9"' in label)
    ticks = re.findall(r'text-anchor="end" dominant-baseline="middle">([^<]*)<', svg)
    assert ticks and all(not any(c.isascii() and c.isdigit() for c in t) for t in ticks)


# ------------------------------------------------------------------ the demo


def test_on_the_demo_data_the_backtest_answers_the_100_mqls_a_month_question():
    with clock.frozen_at(NOW):
        load_demo()
        load_tracking_demo()
        result = backtest_selector.scoring_backtest(months=6, target_per_month=100).result
    suggestion = result.suggestion
    assert suggestion.meets_target and suggestion.point.per_month >= 100
    meeting = [p for p in result.curve if p.per_month >= 100]
    assert suggestion.point.outcome.customer_rate == max(p.outcome.customer_rate for p in meeting)
    # engagement predicts the outcome on the demo: the bar in use converts better than the suggested, larger volume
    assert result.model.outcome.customer_rate > suggestion.point.outcome.customer_rate > 0
    assert result.model.per_month < 100
