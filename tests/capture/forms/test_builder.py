"""The form builder a marketer understands: labelled types, a choices editor, keys made
from labels, errors beside the field they are about."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from sarnakh.capture.forms import builder
from sarnakh.capture.forms.models import Form
from tests.capture.forms.test_staff import _builder_post

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _choice_row(index: int, label_en: str, choices: list[tuple[str, str, str]], **extra) -> dict[str, str]:
    data = {
        f"f-{index}-name": "", f"f-{index}-type": "choice", f"f-{index}-property": "", f"f-{index}-label_en": label_en,
        f"f-{index}-label_fa": "", f"f-{index}-help_en": "", f"f-{index}-help_fa": "", f"f-{index}-max_length": "",
        f"f-{index}-value": "", f"f-{index}-choice_rows": str(len(choices)),
    }
    for j, (en, fa, value) in enumerate(choices):
        data |= {f"f-{index}-c-{j}-label_en": en, f"f-{index}-c-{j}-label_fa": fa, f"f-{index}-c-{j}-value": value}
    return data | {f"f-{index}-{k}": v for k, v in extra.items()}


def test_given_a_new_form_when_opened_then_types_are_labelled_not_keys(marketer):
    html = _client(marketer).get("/forms/new/").content.decode()
    assert ">Choices: pick several from a list</option>" in html and ">multi_choice<" not in html
    with translation.override("fa"):
        assert str(builder.TYPE_LABELS["multi_choice"]) != "Choices: pick several from a list"


def test_given_a_choice_field_with_labels_only_when_saving_then_values_and_key_made_from_labels(marketer):
    # given: a choice field whose choices have labels (one with its own value) and no key
    post = _builder_post(rows="3") | _choice_row(2, "Company size", [("1–10 people", "۱ تا ۱۰ نفر", ""), ("More than 10", "", "big"), ("", "", "")])
    # when
    response = _client(marketer).post("/forms/new/", post)
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    field = Form.objects.get().fields[2]
    assert field["name"] == "company_size" and field["type"] == "choice"
    assert field["choices"] == [
        {"value": "1–10 people", "label": {"en": "1–10 people", "fa": "۱ تا ۱۰ نفر"}},
        {"value": "big", "label": {"en": "More than 10"}},
    ]


def test_given_choice_actions_when_posting_then_choices_added_moved_and_removed(marketer):
    client = _client(marketer)
    base = _builder_post(rows="3") | _choice_row(2, "Size", [("Small", "", ""), ("Large", "", "")])
    added = client.post("/forms/new/", base | {"action": "choice-add:2"}).content.decode()
    assert 'name="f-2-c-2-label_en" value=""' in added and 'name="f-2-choice_rows" value="3"' in added
    moved = client.post("/forms/new/", base | {"action": "choice-down:2:0"}).content.decode()
    assert 'name="f-2-c-0-label_en" value="Large"' in moved and 'name="f-2-c-1-label_en" value="Small"' in moved
    removed = client.post("/forms/new/", base | {"action": "choice-remove:2:0"}).content.decode()
    assert 'name="f-2-c-0-label_en" value="Large"' in removed and "f-2-c-1-label_en" not in removed
    assert Form.objects.count() == 0


def test_given_a_new_field_when_added_then_no_made_up_key_is_filled_in(marketer):
    html = _client(marketer).post("/forms/new/", _builder_post(action="add")).content.decode()
    assert 'name="f-2-name" value=""' in html and "field_3" in html  # only as the placeholder
    assert 'value="field_3"' not in html


def test_given_invalid_fields_when_saving_then_each_error_beside_its_input_in_words(marketer):
    # given: a choice field without choices and a bad slug
    post = _builder_post(rows="3", slug="Bad Slug") | _choice_row(2, "Size", [("", "", "")])
    # when
    response = _client(marketer).post("/forms/new/", post)
    # then: 422, the messages sit in the row / next to the slug input, no raw keys
    html = response.content.decode()
    assert response.status_code == 422
    row = re.search(r'<fieldset class="builder-row[^"]*" data-row="2">(.*?)</fieldset>', html, re.S).group(1)
    assert "Give at least one choice." in row
    slug_label = re.search(r'<label class="field"><span>Slug.*?</label>', html, re.S).group(0)
    assert "Use lower-case letters, digits and hyphens (at most 80)." in slug_label
    assert "fields.2.choices" not in html and "<strong>slug</strong>" not in html
    assert "Field 3 has a problem; see below." in html


@pytest.mark.parametrize(
    ("label", "expected"), [("Company size", "company_size"), ("What's your budget? (USD)", "what_s_your_budget_usd"), ("2025 plans", "field_2025_plans"), ("اندازهٔ شرکت", "")]
)
def test_given_a_label_when_making_a_key_then_a_valid_key_or_nothing(label, expected):
    assert builder.key_from_text(label) == expected


def test_given_rows_without_keys_when_filling_then_unique_keys_from_label_property_or_position():
    rows = [builder.blank_row() | {"name": "email"}, builder.blank_row() | {"label_en": "Email"},
            builder.blank_row() | {"label_fa": "شهر", "property": "city"}, builder.blank_row() | {"label_fa": "یادداشت"}]
    assert builder.fill_keys(rows) == ["email", "email_2", "city", "field_4"]


def test_given_old_value_pipe_label_lines_when_posted_then_still_read_as_choices():
    from django.http import QueryDict

    post = QueryDict(mutable=True)
    post.update({"rows": "1", "f-0-type": "choice", "f-0-choices": "s|Small\nl|Large"})
    rows = builder.parse_rows(post)
    assert [(c["value"], c["label_en"]) for c in rows[0]["choices"]] == [("s", "Small"), ("l", "Large")]
