"""Reports from real mail servers, read to the right recipient and kind (pure parsing)."""

from __future__ import annotations

import pytest

from sarnakh.mail.bounces.parse import parse_report
from sarnakh.mail.delivery import message
from tests.mail.bounces.conftest import FIXTURES

KEY = b"k" * 32


def _read(name: str, *, email_id: int = 42, to: str = "maryam@example.org", message_id: str = "<abc@example.ir>"):
    verp = message.verp_address(email_id, KEY, "example.ir")
    raw = (FIXTURES / name).read_text().replace("{VERP}", verp).replace("{TO}", to).replace("{MESSAGE_ID}", message_id)
    return parse_report(raw.encode(), parse_verp=lambda address: message.parse_verp(address, KEY))


@pytest.mark.parametrize(("name", "kind", "status", "email_id", "detector"), [
    ("postfix.eml", "hard", "5.1.1", 42, "dsn"),
    ("office365.eml", "hard", "5.1.10", None, "dsn"),  # no VERP: the original Message-ID attributes it
    ("exim.eml", "hard", "5.1.1", None, "flufl"),  # no delivery-status part: flufl.bounce reads the text
    ("gmail_delay.eml", "soft", "4.2.2", 42, "dsn"),
    ("arf_complaint.eml", "complaint", "", 42, "arf"),
])
def test_given_a_report_from_a_real_server_then_it_is_read_to_the_recipient_and_kind(name, kind, status, email_id, detector):
    report = _read(name)

    [finding] = report.findings
    assert (finding.kind, finding.address, finding.status) == (kind, "maryam@example.org", status)
    assert report.email_id == email_id and report.detector == detector and not report.ignored


def test_given_the_rfc_3464_example_then_a_4xx_failure_is_soft_for_its_recipient():
    report = _read("rfc3464_example.eml")

    [finding] = report.findings
    assert (finding.kind, finding.address, finding.status) == ("soft", "louisl@larry.slip.umd.edu", "4.0.0")
    assert "426" in finding.diagnostic


def test_given_dsns_then_the_original_message_id_is_found_for_attribution_without_verp():
    assert _read("office365.eml").original_message_id == "<abc@example.ir>"
    assert _read("postfix.eml").original_message_id == "<abc@example.ir>"


def test_given_an_out_of_office_reply_then_it_is_ignored_as_an_auto_reply():
    report = _read("out_of_office.eml")
    assert report.findings == () and report.ignored == "auto_reply"


def test_given_a_forged_verp_address_then_no_message_is_attributed():
    forged = message.verp_address(42, b"x" * 32, "example.ir")
    raw = (FIXTURES / "postfix.eml").read_text().replace("{VERP}", forged).replace("{TO}", "a@example.org")
    report = parse_report(raw.replace("{MESSAGE_ID}", "<m@x>").encode(), parse_verp=lambda a: message.parse_verp(a, KEY))
    assert report.email_id is None and report.findings[0].address == "a@example.org"


def test_given_a_mailbox_full_5_2_2_then_it_is_soft():
    raw = (FIXTURES / "postfix.eml").read_text().replace("Status: 5.1.1", "Status: 5.2.2")
    raw = raw.replace("{VERP}", "bounces@example.ir").replace("{TO}", "a@example.org").replace("{MESSAGE_ID}", "<m@x>")
    [finding] = parse_report(raw.encode(), parse_verp=lambda a: None).findings
    assert finding.kind == "soft" and finding.status == "5.2.2"


def test_given_a_plain_message_or_garbage_then_it_is_ignored_with_a_reason():
    plain = b"From: someone@example.org\r\nTo: bounces@example.ir\r\nSubject: hello\r\nMessage-ID: <p@x>\r\n\r\nJust a note.\r\n"
    assert parse_report(plain, parse_verp=lambda a: None).ignored == "not_a_report"
    garbage = parse_report(b"\x00\xff" * 50, parse_verp=lambda a: None)
    assert garbage.ignored in {"not_a_report", "unparseable"} and garbage.key.startswith("sha256:")


def test_given_the_same_report_twice_then_its_key_is_the_same():
    assert _read("postfix.eml").key == _read("postfix.eml").key == "mid:<20261205054201.3F2A1C0123@mail.example.ir>"


def test_given_a_persian_auto_reply_subject_without_headers_then_it_is_ignored():
    raw = ("From: maryam@example.org\r\nTo: bounces@example.ir\r\nMessage-ID: <fa@x>\r\n"
           "Subject: =?utf-8?b?2b7Yp9iz2K4g2K7ZiNiv2qnYp9ixOiDYrtio2LHZhtin2YXZhw==?=\r\n\r\nدر سفرم.\r\n")
    assert parse_report(raw.encode(), parse_verp=lambda a: None).ignored == "auto_reply"
