"""The template editor's "Send a test to me"."""

from __future__ import annotations

import pytest

from sarnakh.mail.content import services as content
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def _template() -> int:
    return content.template_create(name="Hello", subject="Hello {{ contact.first_name | default('you') }}",
                                   html="<p>Hi</p>", language="fa", kind="marketing").pk


def test_given_a_marketer_with_an_address_when_they_send_a_test_then_it_arrives_at_their_address(marketer, sink):
    marketer.email = "marketer@example.org"
    marketer.save()
    template = _template()

    answer = logged_in(marketer).post(f"/email/templates/{template}/test/", follow=True)

    assert answer.status_code == 200
    assert [r.recipients for r in sink.received] == [["marketer@example.org"]]
    assert sink.received[0].message["Subject"] == "[Test] Hello you"
    assert "marketer@example.org" in answer.content.decode()


def test_given_a_user_without_an_address_when_they_send_a_test_then_they_are_told_and_nothing_is_sent(marketer, sink):
    marketer.email = ""
    marketer.save()
    answer = logged_in(marketer).post(f"/email/templates/{_template()}/test/", follow=True)
    assert "Your account has no email address." in answer.content.decode()
    assert sink.received == []


def test_given_a_sales_user_when_they_send_a_test_then_refused(sales_client, sink):
    assert sales_client.post(f"/email/templates/{_template()}/test/").status_code == 403
    assert sink.received == []
