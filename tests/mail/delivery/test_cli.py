"""`sarnakh mail test --to ADDRESS` sends through the configured transport."""

from __future__ import annotations

import io

import pytest

from sarnakh.cli import build_parser
from sarnakh.mail.delivery.commands import cmd_mail_test

pytestmark = pytest.mark.django_db(transaction=True)


def test_given_an_smtp_server_when_mail_test_runs_then_the_address_receives_one_message(sink, settings):
    settings.DEFAULT_FROM_EMAIL = "Sarnakh <noreply@example.ir>"
    args = build_parser().parse_args(["mail", "test", "--to", "ops@example.org"])
    out, err = io.StringIO(), io.StringIO()

    assert args.func is cmd_mail_test
    assert cmd_mail_test(args, stdout=out, stderr=err) == 0, err.getvalue()

    [got] = sink.received
    assert got.recipients == ["ops@example.org"]
    assert got.message["Subject"] == "Sarnakh test email"
    assert "sent to ops@example.org" in out.getvalue()


def test_given_a_bad_address_then_mail_test_says_why_and_sends_nothing(sink):
    args = build_parser().parse_args(["mail", "test", "--to", "not an address"])
    err = io.StringIO()
    assert cmd_mail_test(args, stdout=io.StringIO(), stderr=err) == 2
    assert "error:" in err.getvalue() and sink.received == []


def test_given_the_server_refuses_the_recipient_then_mail_test_fails_with_the_reply(sink):
    sink.refuse["ops@example.org"] = "550 5.1.1 unknown"
    args = build_parser().parse_args(["mail", "test", "--to", "ops@example.org"])
    err = io.StringIO()
    assert cmd_mail_test(args, stdout=io.StringIO(), stderr=err) == 1
    assert "550" in err.getvalue()
