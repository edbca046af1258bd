"""Building a message (mail.delivery.message, pure): headers encoded and folded by hand on
the `email` package's compat32 API, parts with the transfer encoding the default policy
would choose, nothing a header value could inject."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import dkim
import pytest

from sarnakh.mail.delivery import dkim_keys, message

WHEN = dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC)
UNSUB = message.Unsubscribe(url="https://crm.example.ir/u/" + "W" * 90, mailto="unsubscribe+" + "x" * 60 + "@crm.example.ir")


def _build(**overrides) -> bytes:
    fields = dict(subject="خبرنامهٔ آذر برای مریم", text="سلام مریم\nFrom the team\n", html="<p dir='rtl'>سلام</p>",
                  from_name="تیم سرنخ", from_address="news@example.ir", to_address="maryam@example.org", to_name="مریم رضایی",
                  reply_to="support@example.ir", marketing=True, unsubscribe=UNSUB, envelope_from="bounces+1-ab@example.ir",
                  date=WHEN)
    return message.build_message(**{**fields, **overrides}).data


def _lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def test_given_persian_fields_then_they_read_back_and_every_header_line_is_short_and_not_empty():
    raw = _build()

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "خبرنامهٔ آذر برای مریم"
    assert msg["From"].addresses[0].display_name == "تیم سرنخ" and msg["To"].addresses[0].username == "maryam"
    assert msg["List-Unsubscribe"] == f"<{UNSUB.url}>, <mailto:{UNSUB.mailto}>"
    assert all(line.strip() and line.isascii() for line in _lines(raw))
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_given_a_long_ascii_subject_then_it_folds_at_spaces_and_never_right_after_the_name():
    subject = "Your weekly digest of the most useful articles about marketing automation and lead scoring"

    raw = _build(subject=subject)

    subject_lines = [line for line in _lines(raw) if line.startswith(b"Subject:")]
    assert subject_lines[0].startswith(b"Subject: Your weekly") and len(subject_lines[0]) <= 78
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
    assert all(not line.rstrip().endswith(b":") for line in _lines(raw))


@pytest.mark.parametrize("field", ["subject", "from_name", "to_name"])
def test_given_a_line_break_in_a_header_value_then_it_is_refused(field):
    with pytest.raises(ValueError):
        _build(**{field: "Hello\r\nBcc: everyone@example.org"})


def test_given_extra_headers_then_reserved_names_and_bad_names_are_refused_and_others_kept():
    raw = _build(headers={"X-Campaign": "azar"})
    assert email.message_from_bytes(raw)["X-Campaign"] == "azar"

    for headers in ({"Subject": "other"}, {"Bad Name": "x"}, {"X-Ok": "a\nb"}):
        with pytest.raises(ValueError):
            _build(headers=headers)


def test_given_short_lines_then_8bit_and_long_lines_then_the_shorter_encoding_and_no_from_mangling():
    raw = _build(html="<p>" + "سلام " * 80 + "</p>")

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text, html = msg.get_payload()
    assert text["Content-Transfer-Encoding"] == "8bit" and text.get_content().replace("\r\n", "\n") == "سلام مریم\nFrom the team\n"
    assert html["Content-Transfer-Encoding"] == "base64" and html.get_content().startswith("<p>سلام")
    assert b"\r\n>From the team" not in raw


def test_given_only_text_then_one_part_and_given_a_dkim_key_then_it_verifies():
    key = dkim_keys.generate_key(bits=1024)
    raw = message.build_message(
        subject="Azar", text="Hi", html="", from_name="", from_address="news@example.ir", to_address="b@example.org",
        marketing=False, envelope_from="x@example.ir", date=WHEN,
        dkim_key=message.Dkim(domain="example.ir", selector="s1", private_pem=key.private_pem),
    ).data

    msg = email.message_from_bytes(raw)
    assert not msg.is_multipart() and msg["MIME-Version"] == "1.0" and msg.get_payload() == "Hi\r\n"
    record = dkim_keys.dkim_txt_value(key.public_b64).encode()
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)
