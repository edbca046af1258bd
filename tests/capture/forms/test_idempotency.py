"""A form submission sent again with its idempotency key (a client retrying after a lost
answer, a browser re-posting the hosted page) gets the first answer and stores nothing new.
Before the fix a retry after a crash stored the submission twice, with two timeline rows."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client, override_settings

from sarnakh.capture.contact_page import FORM_SUBMITTED
from sarnakh.capture.forms import intake as form_intake
from sarnakh.capture.forms.models import FormSubmission
from sarnakh.contacts.models import Activity, Contact
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import human_token, make_form, post_json, submission_body

pytestmark = pytest.mark.django_db
KEY = "3f1c2a9e-5b7d-4c1e-9a0b-7d2e4f6a8c10"


def _keyed(slug, body, key=KEY, client=None):
    return post_json(slug, body, client=client, HTTP_IDEMPOTENCY_KEY=key)


def test_given_submission_stored_but_its_answer_lost_when_retried_with_the_key_then_first_answer_one_row_one_timeline_row(monkeypatch):
    # given: the submission is stored, then answering it fails (the client sees no 201)
    form = make_form()
    thanks = form_intake.thank_you_text

    def lost(form, language):
        monkeypatch.setattr(form_intake, "thank_you_text", thanks)
        raise ConnectionResetError("the process died before answering")

    monkeypatch.setattr(form_intake, "thank_you_text", lost)
    first = _keyed(form.slug, submission_body(), client=Client(raise_request_exception=False))
    assert first.status_code == 500
    assert FormSubmission.objects.count() == 1
    # when: the client retries the same attempt
    again = _keyed(form.slug, submission_body())
    # then: the first submission's answer, nothing new stored
    assert again.status_code == 201, again.content
    assert again.json() == {"status": "ok", "message": "Thanks, we will call you.", "redirect": ""}
    submission = FormSubmission.objects.get()
    assert submission.idempotency_key == KEY
    run_pending_jobs()
    contact = Contact.objects.get()
    assert Activity.objects.filter(contact=contact, kind=FORM_SUBMITTED).count() == 1
    # and a third try after processing still answers the same
    assert _keyed(form.slug, submission_body()).json() == again.json()
    assert FormSubmission.objects.count() == 1


def test_given_the_key_in_the_body_when_sent_twice_then_one_row():
    form = make_form()
    body = {**submission_body(), "idempotency_key": "embed-1"}
    answers = [post_json(form.slug, body) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert list(FormSubmission.objects.values_list("idempotency_key", flat=True)) == ["embed-1"]


def test_given_an_invalid_submission_when_repeated_with_its_key_then_the_same_422_and_one_row():
    form = make_form()
    body = submission_body(email="not-an-email")
    first, again = _keyed(form.slug, body), _keyed(form.slug, body)
    assert first.status_code == again.status_code == 422
    assert first.json() == again.json()
    assert FormSubmission.objects.get().status == FormSubmission.Status.INVALID


def test_given_spam_when_repeated_with_its_key_then_the_same_silent_success_and_one_row():
    form = make_form()
    body = {**submission_body(), "_hp": "i am a bot"}
    assert [_keyed(form.slug, body).status_code for _ in range(2)] == [201, 201]
    assert FormSubmission.objects.get().status == FormSubmission.Status.SPAM


@override_settings(SARNAKH_FORM_RATE_PER_IP=1)
def test_given_a_limit_of_one_per_minute_when_the_submission_is_repeated_then_the_repeat_is_not_counted():
    form = make_form()
    codes = [_keyed(form.slug, submission_body()).status_code for _ in range(3)]
    other = _keyed(form.slug, submission_body(), key="another-attempt")
    assert codes == [201, 201, 201]
    assert other.status_code == 429  # a new attempt is still limited
    assert FormSubmission.objects.count() == 1


def test_given_two_retries_racing_when_both_miss_the_lookup_then_the_loser_gets_the_first_answer(monkeypatch):
    # given: the first try is stored; the retry looked before it committed (forced here)
    form = make_form()
    assert _keyed(form.slug, submission_body()).status_code == 201
    lookup = form_intake._first_with_key
    calls = []

    def missed_once(form, key):
        calls.append(key)
        return None if len(calls) == 1 else lookup(form, key)

    monkeypatch.setattr(form_intake, "_first_with_key", missed_once)
    # when: the retry's insert meets the unique key
    again = _keyed(form.slug, submission_body())
    # then: caught in its savepoint, answered from the stored submission
    assert again.status_code == 201, again.content
    assert len(calls) == 2
    assert FormSubmission.objects.count() == 1
    run_pending_jobs()
    assert Activity.objects.filter(kind=FORM_SUBMITTED).count() == 1


# Transactional: each thread commits on its own connection.
@pytest.mark.django_db(transaction=True)
def test_given_the_same_attempt_sent_by_six_threads_at_once_then_one_row_and_six_first_answers():
    form = make_form()
    barrier = threading.Barrier(6)
    answers: list[tuple[int, bytes]] = []

    def retry():
        try:
            barrier.wait(timeout=30)
            response = _keyed(form.slug, submission_body())
            answers.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 6 and len(set(answers)) == 1 and answers[0][0] == 201
    assert FormSubmission.objects.count() == 1


def test_given_the_key_reused_for_other_values_when_posted_then_422_naming_it_and_both_kept():
    # given
    form = make_form()
    _keyed(form.slug, submission_body(first_name="Sara"))
    # when: a different submission with the same key
    response = _keyed(form.slug, submission_body(first_name="Sima"))
    # then: refused naming the key, yet stored (without the key) like any invalid submission
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["idempotency_key"]
    first, second = FormSubmission.objects.order_by("id")
    assert (first.status, first.idempotency_key) == ("received", KEY)
    assert (second.status, second.idempotency_key, second.fields["first_name"]) == ("invalid", "", "Sima")


@pytest.mark.parametrize("key", ["has spaces", "k" * 65, "nul\u0000key", "کلید"])
def test_given_a_malformed_key_when_posted_then_422_naming_it_and_stored_as_invalid(key):
    form = make_form()
    response = _keyed(form.slug, submission_body(), key=key)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["idempotency_key"]
    assert FormSubmission.objects.get().status == FormSubmission.Status.INVALID


def test_given_the_same_key_on_two_forms_when_posted_then_each_form_keeps_its_own():
    first, second = make_form(), make_form(slug="newsletter")
    assert _keyed(first.slug, submission_body()).status_code == 201
    assert _keyed(second.slug, submission_body()).status_code == 201
    assert FormSubmission.objects.filter(idempotency_key=KEY).count() == 2


def test_given_cors_preflight_when_asking_for_the_idempotency_header_then_allowed():
    form = make_form()
    response = Client().options(
        f"/api/v1/forms/{form.slug}/submissions", HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, idempotency-key",
    )
    assert "Idempotency-Key" in response["Access-Control-Allow-Headers"]


def test_given_keyed_submission_when_listed_over_the_api_then_the_key_is_shown(read_api):
    form = make_form()
    _keyed(form.slug, submission_body())
    item = read_api.get(f"/api/v1/forms/{form.slug}/submissions").json()["items"][0]
    assert item["idempotency_key"] == KEY


# ---------------------------------------------------------------- hosted page

def _hidden_key(html: str) -> str:
    return re.search(r'name="_idempotency_key" value="([^"]+)"', html).group(1)


def test_given_hosted_page_when_the_browser_posts_it_twice_then_the_same_thanks_and_one_row():
    # given: the page as served, with its own key
    form = make_form(redirect_url="https://www.example.com/thank-you")
    client = Client()
    key = _hidden_key(client.get(f"/f/{form.slug}").content.decode())
    data = {"_ts": human_token(form), "_idempotency_key": key, "email": "reza@example.com", "_consent": "on"}
    # when: posted, then posted again (refresh after the answer was lost)
    answers = [client.post(f"/f/{form.slug}", data) for _ in range(2)]
    # then
    assert [(a.status_code, a["Location"]) for a in answers] == [(303, "https://www.example.com/thank-you")] * 2
    assert FormSubmission.objects.get().idempotency_key == key
    run_pending_jobs()
    assert Activity.objects.filter(kind=FORM_SUBMITTED).count() == 1


def test_given_hosted_page_with_errors_when_shown_again_then_a_fresh_key_for_the_corrected_post():
    form = make_form()
    client = Client()
    key = _hidden_key(client.get(f"/f/{form.slug}").content.decode())
    data = {"_ts": human_token(form), "_idempotency_key": key, "email": "reza@"}
    first, again = client.post(f"/f/{form.slug}", data), client.post(f"/f/{form.slug}", data)
    assert first.status_code == again.status_code == 422
    assert FormSubmission.objects.count() == 1
    fresh = _hidden_key(first.content.decode())
    assert fresh != key
    corrected = client.post(f"/f/{form.slug}", {**data, "email": "reza@example.com", "_idempotency_key": fresh})
    assert corrected.status_code == 303
    assert list(FormSubmission.objects.order_by("id").values_list("status", flat=True)) == ["invalid", "received"]


def test_given_hosted_post_with_a_tampered_key_when_posted_then_the_page_says_so_above_the_form():
    form = make_form()
    response = Client().post(f"/f/{form.slug}", {"_ts": human_token(form), "_idempotency_key": "<bad key>", "email": "reza@example.com"})
    assert response.status_code == 422
    assert "idempotency key" in response.content.decode()
    assert FormSubmission.objects.get().errors.keys() == {"idempotency_key"}
