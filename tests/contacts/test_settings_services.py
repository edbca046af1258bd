"""Stage and custom property definitions."""

import pytest
from django.utils import translation

from sarnakh.contacts import selectors, settings_services
from sarnakh.contacts.models import LifecycleStage, PropertyDefinition
from sarnakh.contacts.stages import StageInfo, decide_move
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed


@pytest.fixture(autouse=True)
def without_builtin_properties(db):
    """These tests count property definitions from an empty table; the BANT properties
    that scoring ships (a data migration) are set aside for them."""
    PropertyDefinition.objects.filter(key__startswith="bant_").delete()


pytestmark = pytest.mark.django_db


def test_given_default_stages_then_all_keys_in_order():
    assert list(LifecycleStage.objects.values_list("key", flat=True)) == [
        "subscriber", "lead", "mql", "sql", "opportunity", "customer", "recycled", "disqualified", "cold",
    ]


def test_given_anchor_when_adding_stage_after_it_then_inserted_and_later_ones_shift():
    stage = settings_services.stage_create(key="demo_booked", name="Demo booked", after="sql")
    keys = list(LifecycleStage.objects.values_list("key", flat=True))
    assert keys.index("demo_booked") == keys.index("sql") + 1
    assert stage.order < LifecycleStage.objects.get(key="opportunity").order


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"key": "Bad Key", "name": "X"}, "key"),
        ({"key": "k" * 41, "name": "X"}, "key"),
        ({"key": "ok", "name": ""}, "name"),
        ({"key": "ok", "name": "X", "funnel": "top"}, "funnel"),
        ({"key": "ok", "name": "X", "after": "nope"}, "after"),
    ],
)
def test_given_invalid_stage_when_creating_then_refused(kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        settings_services.stage_create(**kwargs)
    assert field in caught.value.fields


def test_given_existing_key_when_creating_stage_then_conflict():
    with pytest.raises(Conflict):
        settings_services.stage_create(key="lead", name="Lead again")


def test_given_stage_when_renaming_then_name_changes_and_missing_is_not_found():
    assert settings_services.stage_update(key="mql", name="Marketing ready").display_name == "Marketing ready"
    with pytest.raises(NotFound):
        settings_services.stage_update(key="nope", name="X")


def test_given_shipped_stages_then_each_has_its_persian_name_and_pages_read_it_per_language():
    stage = LifecycleStage.objects.get(key="customer")

    assert stage.name_fa == "مشتری"
    assert (stage.label_in("en"), stage.label_in("fa")) == ("Customer", "مشتری")
    with translation.override("fa"):
        assert selectors.stage_labels()["customer"] == "مشتری" and selectors.stage_label("mql").startswith("سرنخ واجد")


def test_given_stage_when_renamed_per_language_then_each_language_reads_its_own_name():
    settings_services.stage_update(key="customer", name="Client", name_fa="خریدار")

    assert selectors.stage_label("customer") == "Client"
    with translation.override("fa"):
        assert selectors.stage_label("customer") == "خریدار"


def test_given_stage_without_persian_name_then_persian_pages_read_the_english_one():
    settings_services.stage_create(key="demo_booked", name="Demo booked")

    with translation.override("fa"):
        assert selectors.stage_label("demo_booked") == "Demo booked"
    settings_services.stage_update(key="demo_booked", name_fa="دمو رزرو شد")
    with translation.override("fa"):
        assert selectors.stage_label("demo_booked") == "دمو رزرو شد"


def test_given_too_long_persian_name_then_refused_and_nothing_changes():
    with pytest.raises(ValidationFailed) as caught:
        settings_services.stage_update(key="lead", name="Prospect", name_fa="ن" * 81)

    assert "name_fa" in caught.value.fields
    assert LifecycleStage.objects.get(key="lead").name == "Lead"


def test_given_a_move_to_a_side_stage_without_reason_then_the_message_names_the_stage_not_its_key():
    with translation.override("fa"):
        decision = decide_move(StageInfo("lead", 20, "funnel"), StageInfo("cold", 90, "side", LifecycleStage.objects.get(key="cold").display_name), "")

    assert "سرد" in decision.message and "cold" not in decision.message


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"key": "email", "type": "text"}, "key"),
        ({"key": "2fast", "type": "text"}, "key"),
        ({"key": "k" * 65, "type": "text"}, "key"),
        ({"key": "size", "type": "choice"}, "choices"),
        ({"key": "size", "type": "multi_choice", "choices": ["", "  "]}, "choices"),
        ({"key": "size", "type": "colour"}, "type"),
        ({"key": "size", "type": "text", "object_type": "deal"}, "object_type"),
    ],
)
def test_given_invalid_property_when_defining_then_refused(kwargs, field):
    data = {"object_type": "contact", "label": "Label", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        settings_services.property_define(**data)
    assert field in caught.value.fields
    assert PropertyDefinition.objects.count() == 0


def test_given_same_key_for_same_object_when_defining_then_conflict_but_other_object_ok():
    settings_services.property_define(object_type="contact", key="tier", label="Tier", type="text")
    with pytest.raises(Conflict):
        settings_services.property_define(object_type="contact", key="tier", label="Tier 2", type="text")
    settings_services.property_define(object_type="company", key="tier", label="Tier", type="text")


def test_given_property_in_use_when_deleting_then_conflict(make_contact):
    definition = settings_services.property_define(object_type="contact", key="tier", label="Tier", type="text")
    contact = make_contact(email="a@example.com", properties={"tier": "gold"})
    with pytest.raises(Conflict):
        settings_services.property_delete(definition_id=definition.pk)
    contact.properties = {}
    contact.save()
    settings_services.property_delete(definition_id=definition.pk)
    assert PropertyDefinition.objects.count() == 0


def test_given_a_too_long_key_when_refused_in_persian_then_the_limit_reads_in_persian_digits():
    with translation.override("fa"), pytest.raises(ValidationFailed) as caught:
        settings_services.stage_create(key="k" * 41, name="X")

    assert "۴۰" in caught.value.fields["key"][0] and "40" not in caught.value.fields["key"][0]
