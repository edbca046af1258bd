"""Spam protection (the spam score of honeypot, fill time and links; rate limits) and CORS of the public routes."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client, override_settings

from sarnakh.capture.forms import intake as form_intake
from sarnakh.capture.forms.models import FormSubmission
from sarnakh.capture.forms.selectors import form_stats
from sarnakh.contacts.models import Contact
from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import human_token, make_form, post_json, submission_body

# Rate limits count per minute: bursts run at a frozen moment so none straddles a minute.
MID_MINUTE = dt.datetime(2025, 3, 21, 9, 30, 20, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_given_filled_honeypot_when_posting_then_answered_like_success_but_counted_as_spam_and_not_processed():
    form = make_form()
    response = post_json(form.slug, {**submission_body(), "_hp": "http://spam.example"})
    assert response.status_code == 201
    run_pending_jobs()
    submission = FormSubmission.objects.get()
    assert (submission.status, submission.spam_reason, submission.spam_score) == ("spam", "honeypot", 100)
    assert Contact.objects.count() == 0
    assert form_stats(form).spam == 1 and form_stats(form).submissions == 0


@pytest.mark.django_db
def test_given_form_autofilled_in_half_a_second_when_posting_then_processed_with_the_weak_signal_kept():
    form = make_form()
    with clock.frozen_at(MID_MINUTE):  # the fill time measured is exactly the half second
        post_json(form.slug, {**submission_body(), "_ts": human_token(form, seconds_ago=0.5)})
    run_pending_jobs()
    submission = FormSubmission.objects.get()
    assert (submission.status, submission.spam_reason, submission.spam_score) == ("processed", "", 20)
    assert submission.spam_signals == [{"code": "too_fast", "points": 20, "detail": {"seconds": 0.5}}]
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_given_fast_fill_and_a_message_of_links_when_posting_then_held_as_spam_with_its_score():
    form = make_form()
    links = "https://pills.example.ru http://casino.example.xyz www.cheap.example.top"
    post_json(form.slug, {**submission_body(message=links), "_ts": human_token(form, seconds_ago=0.4)})
    run_pending_jobs()
    submission = FormSubmission.objects.get()
    assert (submission.status, submission.spam_reason, submission.spam_score) == ("spam", "links", 70)
    assert [s["code"] for s in submission.spam_signals] == ["too_fast", "links", "mostly_links"]
    assert Contact.objects.count() == 0


@pytest.mark.django_db
@override_settings(SARNAKH_FORM_SPAM_THRESHOLD=20)
def test_given_a_lower_threshold_when_a_fast_fill_is_posted_then_held():
    form = make_form()
    post_json(form.slug, {**submission_body(), "_ts": human_token(form, seconds_ago=0.5)})
    assert FormSubmission.objects.get().status == "spam"


@pytest.mark.django_db
def test_given_human_fill_time_when_posting_then_processed():
    form = make_form()
    assert post_json(form.slug, {**submission_body(), "_ts": human_token(form, seconds_ago=12)}).status_code == 201
    run_pending_jobs()
    assert FormSubmission.objects.get().status == "processed"


@pytest.mark.django_db
def test_given_forged_or_other_forms_token_when_posting_then_spam():
    form, other = make_form(), make_form(slug="other")
    post_json(form.slug, {**submission_body(), "_ts": "forged:token"})
    post_json(form.slug, {**submission_body(), "_ts": human_token(other)})
    assert list(FormSubmission.objects.values_list("spam_reason", flat=True)) == ["bad_token", "bad_token"]
    assert list(FormSubmission.objects.values_list("spam_score", flat=True)) == [50, 50]


@pytest.mark.django_db
@override_settings(SARNAKH_FORM_RATE_PER_IP=20)
def test_given_50_identical_submissions_in_a_burst_then_rate_limited_all_accepted_stored_and_one_contact():
    form = make_form()
    client = Client()
    with clock.frozen_at(MID_MINUTE):
        answers = [post_json(form.slug, submission_body(), client=client) for _ in range(50)]
    accepted = [r for r in answers if r.status_code == 201]
    limited = [r for r in answers if r.status_code == 429]
    assert len(accepted) == 20 and len(limited) == 30
    assert {r["Retry-After"] for r in limited} == {"41"}  # until the next minute
    assert limited[0].json()["error"]["code"] == "too_many_requests"
    assert limited[0]["Access-Control-Allow-Origin"] == "*"
    assert FormSubmission.objects.count() == 20  # every accepted one stored
    run_pending_jobs()
    assert FormSubmission.objects.filter(status="processed").count() == 20
    assert Contact.objects.count() == 1


@pytest.mark.django_db
@override_settings(SARNAKH_FORM_RATE_PER_IP=1000, SARNAKH_FORM_RATE_PER_FORM=5)
def test_given_per_form_limit_when_many_clients_submit_then_form_limit_applies():
    form = make_form()
    with clock.frozen_at(MID_MINUTE):
        codes = [post_json(form.slug, submission_body(email=f"p{i}@example.com"), REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(8)]
    assert codes == [201] * 5 + [429] * 3


# Transactional: each thread commits on its own connection (tests/conftest.py puts the
# default stages back after the flush).
@pytest.mark.django_db(transaction=True)
@override_settings(SARNAKH_FORM_RATE_PER_IP=20)
def test_given_concurrent_burst_from_threads_then_limit_shared_and_nothing_accepted_lost():
    form = make_form()
    barrier = threading.Barrier(10)
    codes: list[int] = []

    def burst():
        try:
            barrier.wait(timeout=30)
            client = Client()
            for _ in range(5):
                codes.append(post_json(form.slug, submission_body(), client=client).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=burst) for _ in range(10)]
    with clock.frozen_at(MID_MINUTE):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert sorted(set(codes)) == [201, 429]
    assert codes.count(201) == 20
    assert FormSubmission.objects.count() == 20
    run_pending_jobs()
    assert Contact.objects.count() == 1
    assert FormSubmission.objects.filter(status="processed").count() == 20


@pytest.mark.django_db
def test_given_cors_preflight_when_asking_then_public_routes_allow_any_origin():
    form = make_form()
    client = Client()
    for path in (f"/api/v1/forms/{form.slug}/submissions", f"/api/v1/forms/{form.slug}/public"):
        response = client.options(path, HTTP_ORIGIN="https://shop.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                                  HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type")
        assert response.status_code == 204
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "POST" in response["Access-Control-Allow-Methods"]
        assert "Content-Type" in response["Access-Control-Allow-Headers"]
    ok = post_json(form.slug, submission_body(), HTTP_ORIGIN="https://shop.example")
    bad = post_json(form.slug, {"fields": {}}, HTTP_ORIGIN="https://shop.example")
    missing = post_json("nope", {}, HTTP_ORIGIN="https://shop.example")
    assert [r["Access-Control-Allow-Origin"] for r in (ok, bad, missing)] == ["*", "*", "*"]


@pytest.mark.django_db
def test_given_protected_api_when_asked_cross_origin_then_no_cors_headers(read_api):
    make_form()
    response = read_api.get("/api/v1/forms", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 200
    assert not response.has_header("Access-Control-Allow-Origin")


@pytest.mark.django_db
def test_given_public_definition_when_embedded_then_counts_an_embed_view_and_gives_a_token():
    form = make_form()
    response = Client().get(f"/api/v1/forms/{form.slug}/public?view=embed&visitor_id=v-1&lang=fa")
    assert response.status_code == 200
    body = response.json()
    assert body["dir"] == "rtl" and body["fields"][0]["label"] == "ایمیل"
    assert body["consent"]["text"] == "خبرنامه را برایم بفرست."
    assert form_intake.fill_seconds(form, body["ts"]) is not None
    assert "notify_emails" not in body
    assert form_stats(form).embed_views == 1


@pytest.mark.django_db
def test_given_old_rate_windows_when_pruned_then_deleted():
    form = make_form()
    post_json(form.slug, submission_body())
    from sarnakh.capture.forms.models import FormRateWindow

    FormRateWindow.objects.update(minute=1)
    assert form_intake.rate_windows_prune() == 2
