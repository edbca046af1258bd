"""Actor labels as a page shows them: built-in actors translated, names isolated."""

from __future__ import annotations

import pytest
from django.utils import translation

from sarnakh.core.actor import actor_display


@pytest.mark.parametrize(
    "label,persian",
    [
        ("system", "سیستم"),
        ("rule", "قاعده"),
        ("API key: website", 'کلید API: <bdi class="uv" dir="auto">website</bdi>'),
        ("import: exhibitors-1403.csv", 'درون‌ریزی: <bdi class="uv" dir="auto">exhibitors-1403.csv</bdi>'),
        ("Form: Contact us", 'فرم: <bdi class="uv" dir="auto">Contact us</bdi>'),
        ("Scoring: Default model", 'امتیازدهی: <bdi class="uv" dir="auto">مدل پیش‌فرض</bdi>'),
        ("maryam", '<bdi class="uv" dir="auto">maryam</bdi>'),
    ],
)
def test_given_a_stored_actor_label_when_shown_in_persian_then_translated_and_names_isolated(label, persian):
    with translation.override("fa"):
        assert actor_display(label) == persian


def test_given_the_system_actor_when_shown_in_english_then_capitalised_word():
    assert (actor_display("system"), actor_display("")) == ("System", "")
