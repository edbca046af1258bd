"""Codes shown on capture pages get labels: spam reasons, field types, import row errors."""

from __future__ import annotations

from django.utils import translation

from sarnakh.capture.forms.engine import FIELD_TYPE_LABELS, FIELD_TYPES
from sarnakh.capture.templatetags.capture_labels import (
    field_type_label,
    row_message,
    spam_reason_label,
)
from sarnakh.core.normalize import InvalidEmail, normalize_email


def test_given_spam_reason_codes_when_shown_then_labelled_and_an_unknown_code_isolated():
    with translation.override("fa"):
        assert "سریع‌تر" in spam_reason_label("too_fast")
        assert spam_reason_label("new_code") == '<bdi class="uv" dir="auto">new_code</bdi>'
    assert spam_reason_label("honeypot").startswith("A hidden field")


def test_given_every_field_type_then_it_has_a_label_in_both_languages():
    assert set(FIELD_TYPE_LABELS) == set(FIELD_TYPES)
    with translation.override("fa"):
        assert field_type_label("multi_choice") == "چند گزینه"
    assert field_type_label("multi_choice") == "Several choices"


def test_given_a_bad_email_then_the_problem_is_ours_not_the_validators_english():
    try:
        normalize_email("not-an-email")
    except InvalidEmail as exc:
        message = str(exc)
    assert message == "it has no @"


def test_given_an_import_row_error_stored_in_english_when_shown_in_persian_then_translated_with_the_data_isolated():
    with translation.override("fa"):
        email = row_message("Enter a valid email address (it has no @).")
        choice = row_message("Use one of: inbound, outbound.")
        fixed = row_message("Enter text.")

    assert "@ ندارد" in email and "Enter" not in email
    assert choice == 'یکی از این مقادیر را به کار ببرید: <bdi class="uv" dir="auto">inbound, outbound</bdi>.'
    assert "Enter" not in fixed
