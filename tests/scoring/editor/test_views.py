"""Scoring staff pages: the models, the editor (errors beside their input, preview, save →
version + re-score), version restore, re-score progress, permissions, and the
distribution page and API on contacts with known scores."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.scoring import services
from sarnakh.scoring.editor import form as editor_form
from sarnakh.scoring.models import ContactScore, RescoreRun, ScoringModel, ScoringModelVersion
from tests.scoring.editor.test_form import post_of
from tests.scoring.test_models_services import T0, add_event, hot_lead, make_contact, refresh

pytestmark = pytest.mark.django_db
LATER = T0 + dt.timedelta(hours=2)
EDIT = "/scoring/models/default/"


def default_state() -> editor_form.EditorState:
    return editor_form.state_from_spec(ScoringModel.objects.get(key="default").current_version.spec)


def editor_post(state: editor_form.EditorState, action: str, **extra) -> dict[str, list[str]]:
    return {**post_of(state), "action": [action], **{k: [v] for k, v in extra.items()}}


def rule(state, key):
    return next(r for r in state.all_rules() if r.key == key)


def two_contacts():
    """A hot lead (over the bar) and a manager who read one blog post (grade B, under it)."""
    hot = make_contact(email="hot@acme-industries.com")
    hot_lead(hot)
    warm = make_contact(email="warm@acme-industries.com")
    add_event(warm, at=T0 + dt.timedelta(minutes=5), path="/blog/how-to")
    refresh(hot, LATER)
    refresh(warm, LATER)
    return hot, warm


# ---------------------------------------------------------------- list and editor


def test_the_model_list_shows_version_counts_and_links(admin_client):
    two_contacts()
    response = admin_client.get("/scoring/")
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'<tr data-model="default">.*?</tr>', html, re.S).group(0)
    assert "Default model" in row and "v1" in row and "Default" in row
    assert re.search(r'class="model-scored">2<', row) and re.search(r'class="model-qualified">1<', row)
    assert f'href="{EDIT}"' in row and "/scoring/models/default/versions/" in row and "/scoring/distribution/?model=default" in row
    assert 'aria-current="page"' in html and "/scoring/backtest/" in html  # the scoring tabs


def test_the_editor_shows_the_rules_as_rows_with_a_condition_builder(admin_client):
    response = admin_client.get(EDIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="engagement_rule" value="e0"' in html and 'name="e0-key" value="pricing_page"' in html
    assert 'name="f0-key" value="company_email"' in html and 'name="f0c0-op"' in html
    assert '<option value="is_company_email" data-kind="none" selected>' in html
    assert 'name="cutoff_A" value="45"' in html and "scoring/editor.js" in html


def test_the_editor_names_fields_in_words_and_shows_path_patterns_whole(admin_client):
    html = admin_client.get(EDIT).content.decode()
    # fields read as words, with the key kept as the option's value and title
    assert '<option value="company.employee_band" title="company.employee_band" selected>Company size (employees)</option>' in html
    assert ">company.employee_band<" not in html and ">Page path</option>" in html
    # a list of path patterns sits whole in a wrapping box, not cut at an input's width
    value = re.search(r'<textarea name="e0c0-value"[^>]*>([^<]*)</textarea>', html).group(1)
    assert value.startswith("/pricing") and value.count("/pricing") >= 2
    assert "scoring/scoring.css" in html


def test_the_editor_names_fields_in_persian_for_a_persian_reader(admin_client):
    admin_client.cookies["django_language"] = "fa"
    html = admin_client.get(EDIT).content.decode()
    assert 'title="company.employee_band" selected>اندازهٔ شرکت (کارکنان)</option>' in html


def test_a_wrong_value_is_shown_beside_its_input_with_everything_typed_kept(admin_client):
    # given an edit with points "12x" on the second engagement rule and a new label elsewhere
    state = default_state()
    rule(state, "case_study_page").points = "12x"
    rule(state, "pricing_page").label = "Pricing, typed by me"
    # when saved
    response = admin_client.post(EDIT, editor_post(state, "save", note="try"))
    # then nothing is saved and the page comes back with the error beside that input
    assert response.status_code == 422
    html = response.content.decode()
    token = rule(state, "case_study_page").token
    cell = re.search(rf'name="{token}-points" value="12x".*?</td>', html, re.S).group(0)
    assert "Enter a number between" in cell
    assert 'value="Pricing, typed by me"' in html and 'name="note" id="version-note" value="try"' in html
    assert "Nothing was saved" in html
    assert ScoringModelVersion.objects.filter(model__key="default").count() == 1 and not RescoreRun.objects.exists()


def test_row_buttons_work_without_javascript_and_keep_the_typed_values(admin_client):
    state = default_state()
    rule(state, "pricing_page").points = "99"
    response = admin_client.post(EDIT, editor_post(state, "add:engagement"))
    assert response.status_code == 200
    html = response.content.decode()
    new_token = f"e{len(state.engagement_rules)}"
    assert f'name="engagement_rule" value="{new_token}"' in html and f'name="{new_token}-key" value=""' in html
    assert 'name="e0-points" value="99"' in html
    assert ScoringModelVersion.objects.filter(model__key="default").count() == 1


def test_preview_shows_the_counts_of_the_draft_without_saving(admin_client):
    # given one contact over the bar and one under it
    two_contacts()
    state = default_state()
    state.q_min_engagement = "1"  # the blog reader's 2 points now clear the bar
    # when previewing the draft
    with clock.frozen_at(LATER):
        response = admin_client.post(EDIT, editor_post(state, "preview"))
    # then the counts are shown and nothing was saved
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="preview-contacts">2<', html) and re.search(r'id="preview-cross">1<', html)
    assert re.search(r'id="preview-drop">0<', html) and re.search(r'id="preview-grade-changes">0<', html)
    assert 'name="q_min_engagement" value="1"' in html
    assert ScoringModelVersion.objects.filter(model__key="default").count() == 1
    # and the fragment endpoint the script uses answers the same counts
    with clock.frozen_at(LATER):
        fragment = admin_client.post("/scoring/preview/", editor_post(state, "preview"))
    assert fragment.status_code == 200 and re.search(r'id="preview-cross">1<', fragment.content.decode())
    state.q_min_engagement = "lots"
    assert admin_client.post("/scoring/preview/", editor_post(state, "preview")).status_code == 422


def test_save_makes_a_version_and_a_rescore_run_and_shows_its_progress(admin_client, admin_user):
    hot, warm = two_contacts()
    state = default_state()
    state.q_min_engagement = "1"
    # when saved with a note
    with clock.frozen_at(LATER):
        response = admin_client.post(EDIT, editor_post(state, "save", note="Lower the bar"))
    # then a new version exists, by this user, and the browser goes to the run's progress
    version = ScoringModel.objects.get(key="default").current_version
    assert (version.number, version.note, version.created_by) == (2, "Lower the bar", admin_user)
    assert version.spec["qualification"]["min_engagement"] == 1
    run = RescoreRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/scoring/rescores/{run.pk}/"
    page = admin_client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in page and 'hx-trigger="every 1s"' in page
    # when the job runs, the page shows it done and stops refreshing
    with clock.frozen_at(LATER):
        run_pending_jobs()
    page = admin_client.get(f"/scoring/rescores/{run.pk}/?fragment=1").content.decode()
    assert 'data-status="done"' in page and "every 1s" not in page and "Done" in page
    run.refresh_from_db()
    assert run.status == RescoreRun.DONE and run.done == run.total >= 2
    assert ContactScore.objects.get(contact=warm).qualified


def test_saving_the_same_rules_makes_no_version_and_no_run(admin_client):
    response = admin_client.post(EDIT, editor_post(default_state(), "save"))
    assert response.status_code == 302 and response["Location"] == EDIT
    assert ScoringModelVersion.objects.filter(model__key="default").count() == 1 and not RescoreRun.objects.exists()


def test_a_new_model_is_created_and_a_taken_key_is_refused(admin_client):
    state = editor_form.state_from_spec(ScoringModel.objects.get(key="default").current_version.spec, key="product-b")
    state.name = "Product B"
    response = admin_client.post("/scoring/models/new/", editor_post(state, "save", note="first"))
    assert response.status_code == 302
    model = ScoringModel.objects.get(key="product-b")
    assert model.name == "Product B" and not model.is_default and model.current_version.number == 1
    assert RescoreRun.objects.get().model == model
    # the same key again is refused beside the key input
    again = admin_client.post("/scoring/models/new/", editor_post(state, "save"))
    assert again.status_code == 422 and "A model with this key already exists." in again.content.decode()
    # and the copy page starts from a model's rules with an empty key
    copy = admin_client.get("/scoring/models/new/?from=default").content.decode()
    assert 'name="key" id="model-key" value=""' in copy and 'value="pricing_page"' in copy


# ---------------------------------------------------------------- versions


def test_versions_list_and_restore_saves_the_old_rules_as_a_new_version(admin_client, admin_user):
    v1 = ScoringModel.objects.get(key="default").current_version
    changed = {**v1.spec, "half_life_days": 10}
    services.scoring_model_save(key="default", spec_dict=changed, note="Faster decay", user=admin_user)
    listing = admin_client.get("/scoring/models/default/versions/").content.decode()
    assert "Faster decay" in listing and "admin1" in listing and 'data-version="1"' in listing
    shown = admin_client.get("/scoring/models/default/versions/1/").content.decode()
    assert "Viewed pricing" in shown and "path matches" in shown and 'id="restore-button"' in shown
    assert '<span title="company.employee_band">Company size (employees)</span>' in shown and ">company.employee_band<" not in shown
    # when restoring v1
    response = admin_client.post("/scoring/models/default/versions/1/", {"action": "restore"})
    # then v3 has v1's rules and a re-score runs
    current = ScoringModel.objects.get(key="default").current_version
    assert (current.number, current.note, current.spec) == (3, "Restored version 1", v1.spec)
    run = RescoreRun.objects.get()
    assert response["Location"] == f"/scoring/rescores/{run.pk}/" and run.version == current


# ---------------------------------------------------------------- permissions


def test_sales_can_read_but_not_edit(sales_client):
    assert sales_client.get("/scoring/").status_code == 200
    assert "/scoring/models/default/\"" not in sales_client.get("/scoring/").content.decode()  # no edit link
    assert sales_client.get("/scoring/models/default/versions/1/").status_code == 200
    assert sales_client.get("/scoring/distribution/").status_code == 200
    assert sales_client.get(EDIT).status_code == 403
    assert sales_client.post(EDIT, editor_post(default_state(), "save")).status_code == 403
    assert sales_client.get("/scoring/models/new/").status_code == 403
    assert sales_client.post("/scoring/preview/", editor_post(default_state(), "preview")).status_code == 403
    assert sales_client.post("/scoring/models/default/versions/1/", {"action": "restore"}).status_code == 403
    assert ScoringModelVersion.objects.count() == 1


def test_anonymous_users_go_to_the_login_page(client):
    response = client.get("/scoring/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# ---------------------------------------------------------------- distribution


def known_scores():
    """Five contacts with stored scores: combined 0, 12, 35, 64 (qualified), 100 (qualified)."""
    model = ScoringModel.objects.get(key="default")
    rows = [("0", "0", "D", False), ("12", "0", "C", False), ("35", "5", "B", False), ("64", "64", "B", True), ("100", "70", "A", True)]
    for n, (score, engagement, grade, qualified) in enumerate(rows):
        contact = make_contact(email=f"k{n}@acme-industries.com")
        ContactScore.objects.create(
            contact=contact, model=model, version=model.current_version, fit=Decimal(score) - Decimal(engagement), grade=grade,
            engagement=Decimal(engagement), score=Decimal(score), qualified=qualified, below_bar=(n == 2),
            breakdown={}, computed_at=T0,
        )


def test_the_distribution_api_counts_contacts_per_bucket_and_grade(read_api):
    known_scores()
    body = read_api.get("/api/v1/scoring/distribution", {"model": "default", "buckets": 10}).json()
    assert (body["total"], body["qualified"], body["under_bar"], body["fell_below"]) == (5, 2, 3, 1)
    assert body["score"]["width"] == 10
    assert [b["count"] for b in body["score"]["buckets"]] == [1, 1, 0, 1, 0, 0, 1, 0, 0, 1]
    assert body["score"]["buckets"][0] == {"start": 0, "end": 10, "count": 1}
    assert body["grades"] == {"A": 1, "B": 2, "C": 1, "D": 1}
    assert body["bars"] == {"score": None, "engagement": 60, "grade": "B"}
    assert sum(b["count"] for b in body["engagement"]["buckets"]) == 5
    # a coarser view, and the errors
    coarse = read_api.get("/api/v1/scoring/distribution", {"buckets": 2}).json()
    assert [(b["start"], b["end"], b["count"]) for b in coarse["score"]["buckets"]] == [(0, 50, 3), (50, 100, 2)]
    assert read_api.get("/api/v1/scoring/distribution", {"buckets": 0}).status_code == 422
    assert read_api.get("/api/v1/scoring/distribution", {"model": "nope"}).status_code == 404


def test_one_bucket_with_a_negative_score_answers_on_the_api_and_the_page(read_api, admin_client):
    # given a stored score below zero (the demo has -5.51); one bucket used to loop forever
    known_scores()
    ContactScore.objects.filter(score=0).update(score=Decimal("-5.51"), fit=Decimal("-5.51"))
    # when one bucket is asked for
    body = read_api.get("/api/v1/scoring/distribution", {"buckets": 1}).json()
    # then all five contacts sit in it
    assert [(b["start"], b["count"]) for b in body["score"]["buckets"]] == [(-6, 5)]
    assert admin_client.get("/scoring/distribution/?buckets=1").status_code == 200


def test_the_distribution_page_draws_histograms_with_the_bar(admin_client):
    known_scores()
    html = admin_client.get("/scoring/distribution/").content.decode()
    assert re.search(r'id="dist-total">5<', html) and re.search(r'id="dist-qualified">2<', html) and re.search(r'id="dist-under">3<', html)
    assert 'id="hist-score"' in html and 'id="hist-engagement"' in html and 'id="hist-grade"' in html
    assert html.count('class="bar-line"') == 2  # engagement and grade: the default bar is grade + engagement
    assert html.count('data-count="2"') >= 2 and "MQL bar" in html
    assert admin_client.get("/scoring/distribution/?model=nope").status_code == 404


def test_the_score_card_draws_the_breakdown_per_rule(admin_client):
    hot, _warm = two_contacts()
    with clock.frozen_at(LATER):
        html = admin_client.get(f"/contacts/{hot.pk}/").content.decode()
    chart = re.search(r'<figure id="score-chart".*?</figure>', html, re.S).group(0)
    assert 'data-rule="pricing_page" data-dimension="engagement"' in chart and 'data-dimension="fit"' in chart
    assert re.search(r'aria-label="Viewed pricing: \+44\.9 engagement points"', chart)  # 3 × 15, decayed for two hours
    assert 'aria-label="Manager-level job title: +20 fit points"' in chart
    assert 'id="score-grade"' in html and 'id="score-combined"' in html and "<polyline" not in chart


def test_in_persian_the_breakdown_bars_grow_from_beside_their_labels(admin_client):
    hot, _warm = two_contacts()
    admin_client.cookies["django_language"] = "fa"
    with clock.frozen_at(LATER):
        html = admin_client.get(f"/contacts/{hot.pk}/").content.decode()
    chart = re.search(r'<figure id="score-chart".*?</figure>', html, re.S).group(0)
    # the row reads right to left: the bars are mirrored to start at the label's side
    assert chart.count('transform="translate(180 0) scale(-1 1)"') == chart.count("<li class=\"score-chart-row\"") > 0
    assert "justify-content:start" in chart


def test_the_pages_render_in_persian(admin_client):
    known_scores()
    admin_client.cookies["django_language"] = "fa"
    for path in ("/scoring/", EDIT, "/scoring/models/default/versions/", "/scoring/models/default/versions/1/", "/scoring/distribution/"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert 'dir="rtl"' in response.content.decode()
    assert "۵" in admin_client.get("/scoring/distribution/").content.decode()  # counts in Persian digits
