"""Contact writes: identity, upsert, first touch, companies, stages, notes, atomicity."""

import pytest
from django.test import override_settings

from sarnakh.contacts import company_services, merge, selectors, services
from sarnakh.contacts.models import Activity, Company, Contact, Note, StageChange, Tag
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def upsert(actor, **data):
    return services.contact_upsert(data=data, actor=actor)


def kinds(contact):
    return list(Activity.objects.filter(contact=contact).order_by("id").values_list("kind", flat=True))


# --- identity and upsert ---


@override_settings(SARNAKH_DEFAULT_REGION="IR")
def test_given_mixed_case_email_when_upserting_lower_case_with_persian_digits_phone_then_one_contact(system_actor):
    first = upsert(system_actor, email="Ali.Rezaei@Example.COM", first_name="علي")
    second = upsert(system_actor, email="ali.rezaei@example.com", phone="۰۹۱۲ ۳۴۵ ۶۷۸۹")
    assert first.created and not second.created and second.matched_on == "email"
    assert Contact.objects.count() == 1
    contact = Contact.objects.get()
    assert contact.email == "ali.rezaei@example.com"
    assert contact.phone == "+989123456789"


def test_given_contact_when_searching_with_arabic_letters_then_persian_spelling_found(make_contact):
    contact = make_contact(first_name="علی", last_name="کریمی", email="ali@example.com")
    make_contact(first_name="Sara", email="sara@example.com")
    found = list(selectors.contact_queryset(selectors.ContactFilters(q="علي كريمي")))
    assert found == [contact]


@override_settings(SARNAKH_DEFAULT_REGION="IR")
def test_given_contact_with_phone_only_when_upserting_same_phone_in_another_format_then_matched_on_phone(system_actor):
    upsert(system_actor, phone="09123456789", first_name="Reza")
    result = upsert(system_actor, phone="+98 912 345 6789", email="reza@example.com")
    assert not result.created and result.matched_on == "phone"
    assert Contact.objects.get().email == "reza@example.com"


@override_settings(SARNAKH_DEFAULT_REGION="IR")
def test_given_phone_of_contact_with_other_email_when_upserting_then_new_contact(system_actor):
    upsert(system_actor, email="one@example.com", phone="09123456789")
    result = upsert(system_actor, email="two@example.com", phone="09123456789")
    assert result.created
    assert Contact.objects.count() == 2


def test_given_email_match_and_phone_match_on_different_contacts_when_upserting_then_email_wins(system_actor):
    by_phone = upsert(system_actor, phone="+49 30 1234567").contact
    by_email = upsert(system_actor, email="a@example.com").contact
    result = upsert(system_actor, email="a@example.com", phone="+49 30 1234567")
    assert result.contact.pk == by_email.pk and result.matched_on == "email"
    assert Contact.objects.filter(pk=by_phone.pk).exists()


def test_given_same_person_upserted_many_times_then_never_duplicated(system_actor):
    for name in ["A", "B", "C"]:
        upsert(system_actor, email=" A@Example.com ", first_name=name)
    assert Contact.objects.count() == 1
    assert Contact.objects.get().first_name == "C"


def test_given_nothing_identifying_when_upserting_then_refused(system_actor):
    with pytest.raises(ValidationFailed):
        upsert(system_actor, job_title="CTO")
    assert Contact.objects.count() == 0


def test_given_upsert_match_then_timeline_says_it_matched(system_actor):
    upsert(system_actor, email="a@example.com")
    upsert(system_actor, email="a@example.com", first_name="Ann")
    contact = Contact.objects.get()
    updated = Activity.objects.get(contact=contact, kind="updated")
    assert updated.data["matched_on"] == "email"
    assert updated.data["changes"]["first_name"] == ["", "Ann"]


def test_given_upsert_with_empty_values_then_nothing_is_erased(system_actor):
    upsert(system_actor, email="a@example.com", first_name="Ann", phone="+49 30 1234567", company="Acme")
    upsert(system_actor, email="a@example.com", first_name="", phone=None, company=None)
    contact = Contact.objects.get()
    assert (contact.first_name, contact.phone, contact.company.name) == ("Ann", "+49301234567", "Acme")


def test_given_upsert_with_tags_then_tags_are_added_not_replaced(system_actor):
    upsert(system_actor, email="a@example.com", tags=["webinar"])
    upsert(system_actor, email="a@example.com", tags=["ebook"])
    assert sorted(Contact.objects.get().tags.values_list("name", flat=True)) == ["ebook", "webinar"]


def test_given_later_stage_when_upserting_then_moves_forward_and_backward_is_ignored(system_actor):
    upsert(system_actor, email="a@example.com", stage="mql")
    forward = upsert(system_actor, email="a@example.com", stage="sql")
    backward = upsert(system_actor, email="a@example.com", stage="lead")
    assert Contact.objects.get().stage_id == "sql"
    assert "stage" not in forward.ignored and "stage" in backward.ignored
    assert list(StageChange.objects.order_by("id").values_list("from_stage", "to_stage")) == [("", "mql"), ("mql", "sql")]


# --- first touch ---


def test_given_existing_lead_when_upserting_other_source_then_first_touch_wins(system_actor):
    upsert(system_actor, email="a@example.com", source_type="outbound", channel="cold_email", utm_source="list", utm_campaign="q1")
    result = upsert(
        system_actor, email="a@example.com", source_type="inbound", channel="paid_search",
        utm_source="google", utm_medium="cpc", landing_page="https://example.com/pricing",
    )
    contact = Contact.objects.get()
    assert (contact.source_type, contact.channel) == ("outbound", "cold_email")
    assert (contact.utm_source, contact.utm_medium, contact.utm_campaign, contact.landing_page) == ("list", "", "q1", "")
    assert sorted(result.ignored) == ["channel", "landing_page", "source_type", "utm_medium", "utm_source"]


def test_given_lead_without_first_touch_detail_when_upserting_with_detail_then_filled(system_actor):
    upsert(system_actor, email="a@example.com")
    result = upsert(system_actor, email="a@example.com", utm_source="google", referrer="https://google.com/")
    contact = Contact.objects.get()
    assert (contact.utm_source, contact.referrer) == ("google", "https://google.com/")
    assert result.ignored == []


def test_given_same_first_touch_value_when_upserting_then_not_reported_as_ignored(system_actor):
    upsert(system_actor, email="a@example.com", channel="web_form")
    assert upsert(system_actor, email="a@example.com", channel="web_form").ignored == []


def test_given_update_not_upsert_then_first_touch_can_be_corrected(system_actor, make_contact):
    contact = make_contact(email="a@example.com", channel="other")
    services.contact_update(contact_id=contact.pk, data={"channel": "referral"}, actor=system_actor)
    assert Contact.objects.get().channel == "referral"


# --- companies ---


def test_given_company_with_domain_when_creating_contact_at_that_domain_then_linked(make_contact):
    acme = Company.objects.create(name="Acme", domain="acme.com", created_at="2024-01-01T00:00Z", updated_at="2024-01-01T00:00Z")
    assert make_contact(email="ann@ACME.com").company == acme


def test_given_free_mail_company_domain_when_creating_contact_then_not_linked(make_contact):
    Company.objects.create(name="Gmail", domain="gmail.com", created_at="2024-01-01T00:00Z", updated_at="2024-01-01T00:00Z")
    assert make_contact(email="ann@gmail.com").company is None


def test_given_company_name_when_creating_contacts_then_found_or_created_once(make_contact):
    first = make_contact(email="a@gmail.com", company="Pars Co")
    second = make_contact(email="b@yahoo.com", company="  pars   co ")
    assert first.company == second.company
    assert Company.objects.count() == 1
    assert first.company.domain == ""


def test_given_company_name_and_corporate_email_when_creating_then_company_gets_the_domain(make_contact):
    contact = make_contact(email="a@pars.ir", company="Pars")
    assert contact.company.domain == "pars.ir"
    assert make_contact(email="b@pars.ir").company == contact.company


def test_given_unknown_company_id_when_creating_then_refused(system_actor):
    with pytest.raises(ValidationFailed) as caught:
        upsert(system_actor, email="a@example.com", company=999999)
    assert "company" in caught.value.fields
    assert Contact.objects.count() == 0


def test_given_contact_create_fails_after_company_by_name_then_company_rolled_back(system_actor, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("timeline down")

    # The creation's timeline rows are the last write; breaking them must undo the rest.
    monkeypatch.setattr(Activity.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        upsert(system_actor, email="a@example.com", company="Fresh Co", tags=["x"])
    assert (Company.objects.count(), Contact.objects.count(), Tag.objects.count(), Activity.objects.count()) == (0, 0, 0, 0)


def test_given_update_fails_on_stage_after_company_by_name_then_nothing_changes(system_actor, make_contact):
    contact = make_contact(email="a@example.com", stage="sql")
    with pytest.raises(ValidationFailed):
        services.contact_update(contact_id=contact.pk, data={"company": "New Co", "first_name": "X", "stage": "lead"}, actor=system_actor)
    contact.refresh_from_db()
    assert contact.company is None and contact.first_name == ""
    assert Company.objects.count() == 0


# --- updates and timeline ---


def test_given_update_then_timeline_row_has_old_and_new_values(system_actor, make_contact):
    contact = make_contact(email="a@example.com", first_name="Ann")
    services.contact_update(contact_id=contact.pk, data={"first_name": "Anna", "job_title": "CTO", "tags": ["vip"]}, actor=system_actor)
    row = Activity.objects.filter(contact=contact, kind="updated").get()
    assert row.data["changes"] == {"first_name": ["Ann", "Anna"], "job_title": ["", "CTO"]}
    assert row.data["tags"] == {"added": ["vip"], "removed": []}
    assert row.actor_label == "tests"


def test_given_update_with_no_change_then_no_timeline_row(system_actor, make_contact):
    contact = make_contact(email="a@example.com", first_name="Ann")
    services.contact_update(contact_id=contact.pk, data={"first_name": "Ann"}, actor=system_actor)
    assert kinds(contact) == ["created", "stage_changed"]


def test_given_email_of_another_contact_when_updating_then_conflict_and_unchanged(system_actor, make_contact):
    make_contact(email="a@example.com")
    other = make_contact(email="b@example.com", first_name="B")
    with pytest.raises(Conflict) as caught:
        services.contact_update(contact_id=other.pk, data={"email": "A@example.com", "first_name": "Z"}, actor=system_actor)
    assert "email" in caught.value.fields
    other.refresh_from_db()
    assert (other.email, other.first_name) == ("b@example.com", "B")


def test_given_phone_of_another_emailless_contact_when_updating_then_conflict_names_phone(system_actor, make_contact):
    make_contact(phone="+49 30 1234567")
    other = make_contact(first_name="B")
    with pytest.raises(Conflict) as caught:
        services.contact_update(contact_id=other.pk, data={"phone": "+49301234567"}, actor=system_actor)
    assert "phone" in caught.value.fields


def test_given_new_email_at_company_domain_when_updating_then_linked_to_company(system_actor, make_contact):
    acme = Company.objects.create(name="Acme", domain="acme.com", created_at="2024-01-01T00:00Z", updated_at="2024-01-01T00:00Z")
    contact = make_contact(first_name="Ann")
    updated = services.contact_update(contact_id=contact.pk, data={"email": "ann@acme.com"}, actor=system_actor)
    assert updated.company == acme
    assert Activity.objects.get(contact=contact, kind="updated").data["changes"]["company"] == [None, "Acme"]


def test_given_properties_when_updating_then_null_removes_and_change_is_on_timeline(system_actor, make_contact):
    from sarnakh.contacts.settings_services import property_define

    property_define(object_type="contact", key="budget", label="Budget", type="number")
    contact = make_contact(email="a@example.com", properties={"budget": "1,000"})
    assert contact.properties == {"budget": 1000}
    services.contact_update(contact_id=contact.pk, data={"properties": {"budget": None}}, actor=system_actor)
    contact.refresh_from_db()
    assert contact.properties == {}
    assert Activity.objects.get(contact=contact, kind="updated").data["changes"] == {"properties.budget": [1000, None]}


def test_given_upsert_with_null_property_then_value_kept(system_actor, make_contact):
    from sarnakh.contacts.settings_services import property_define

    property_define(object_type="contact", key="budget", label="Budget", type="number")
    make_contact(email="a@example.com", properties={"budget": 5})
    upsert(system_actor, email="a@example.com", properties={"budget": None})
    assert Contact.objects.get().properties == {"budget": 5}


def test_given_merged_contact_when_updating_then_not_found(system_actor, make_contact):
    a, b = make_contact(email="a@example.com"), make_contact(email="b@example.com")
    merge.contact_merge(survivor_id=a.pk, loser_id=b.pk, actor=system_actor)
    with pytest.raises(NotFound):
        services.contact_update(contact_id=b.pk, data={"first_name": "X"}, actor=system_actor)


# --- stages ---


def test_given_new_contact_then_its_first_stage_is_a_history_row(make_contact):
    contact = make_contact(email="a@example.com")
    assert contact.stage_id == "lead"
    assert list(StageChange.objects.filter(contact=contact).values_list("from_stage", "to_stage")) == [("", "lead")]


def test_given_forward_move_then_history_row_and_timeline_row(system_actor, make_contact):
    contact = make_contact(email="a@example.com")
    change = services.contact_change_stage(contact_id=contact.pk, stage_key="mql", actor=system_actor, rule="score >= 50")
    assert (change.from_stage, change.to_stage, change.is_backward, change.source, change.rule) == ("lead", "mql", False, "system", "score >= 50")
    row = Activity.objects.filter(contact=contact, kind="stage_changed").first()
    assert row.data["from"] == "lead" and row.data["to"] == "mql"
    assert Contact.objects.get().stage_id == "mql"


@pytest.mark.parametrize("target", ["subscriber", "recycled", "disqualified", "cold"])
def test_given_backward_or_side_move_without_reason_then_refused_and_nothing_changes(system_actor, make_contact, target):
    contact = make_contact(email="a@example.com", stage="sql")
    before = (StageChange.objects.count(), Activity.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        services.contact_change_stage(contact_id=contact.pk, stage_key=target, reason="  ", actor=system_actor)
    assert "reason" in caught.value.fields
    assert Contact.objects.get().stage_id == "sql"
    assert (StageChange.objects.count(), Activity.objects.count()) == before


@pytest.mark.parametrize("target", ["lead", "recycled", "disqualified", "cold"])
def test_given_reason_when_moving_backward_or_aside_then_recorded(system_actor, make_contact, target):
    contact = make_contact(email="a@example.com", stage="sql")
    change = services.contact_change_stage(contact_id=contact.pk, stage_key=target, reason="no budget", actor=system_actor)
    assert change.is_backward and change.reason == "no budget"
    assert Activity.objects.filter(contact=contact, kind="stage_changed", data__reason="no budget").exists()


def test_given_unknown_stage_then_refused(system_actor, make_contact):
    contact = make_contact(email="a@example.com")
    with pytest.raises(ValidationFailed) as caught:
        services.contact_change_stage(contact_id=contact.pk, stage_key="vip", actor=system_actor)
    assert "stage" in caught.value.fields


def test_given_backward_stage_in_patch_then_refused_with_stage_error(system_actor, make_contact):
    contact = make_contact(email="a@example.com", stage="sql")
    with pytest.raises(ValidationFailed) as caught:
        services.contact_update(contact_id=contact.pk, data={"stage": "lead"}, actor=system_actor)
    assert "stage" in caught.value.fields


# --- notes and delete ---


def test_given_note_on_contact_then_on_timeline(system_actor, make_contact):
    contact = make_contact(email="a@example.com")
    note = services.note_add(contact_id=contact.pk, body="  Called, interested  ", actor=system_actor)
    assert note.body == "Called, interested"
    assert Activity.objects.get(contact=contact, kind="note_added").data["note_id"] == note.pk


@pytest.mark.parametrize("body", ["", "   ", "x" * 10001])
def test_given_empty_or_huge_note_then_refused(system_actor, make_contact, body):
    contact = make_contact(email="a@example.com")
    with pytest.raises(ValidationFailed):
        services.note_add(contact_id=contact.pk, body=body, actor=system_actor)
    assert Note.objects.count() == 0


def test_given_survivor_with_merged_records_when_deleting_then_merged_records_go_too(system_actor, make_contact):
    survivor, loser = make_contact(email="a@example.com"), make_contact(email="b@example.com")
    merge.contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor)
    services.contact_delete(contact_id=survivor.pk, actor=system_actor)
    assert Contact.objects.count() == 0
    assert Activity.objects.count() == 0 and StageChange.objects.count() == 0


def test_given_merged_id_when_deleting_then_not_found_and_survivor_untouched(system_actor, make_contact):
    survivor, loser = make_contact(email="a@example.com"), make_contact(email="b@example.com")
    merge.contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor)
    with pytest.raises(NotFound):
        services.contact_delete(contact_id=loser.pk, actor=system_actor)
    assert Contact.objects.count() == 2



# --- the timeline row is part of the change ---


@pytest.fixture
def broken_timeline(monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("timeline down")

    def arm():
        for module in (services, merge, company_services):
            monkeypatch.setattr(module, "timeline_write", explode)

    return arm


@pytest.mark.parametrize(
    "change",
    [
        lambda actor, c, other: services.contact_update(contact_id=c.pk, data={"first_name": "Changed", "tags": ["t"]}, actor=actor),
        lambda actor, c, other: services.contact_upsert(data={"email": c.email, "first_name": "Changed"}, actor=actor),
        lambda actor, c, other: services.contact_change_stage(contact_id=c.pk, stage_key="customer", actor=actor),
        lambda actor, c, other: services.note_add(contact_id=c.pk, body="hello", actor=actor),
        lambda actor, c, other: merge.contact_merge(survivor_id=c.pk, loser_id=other.pk, actor=actor),
        lambda actor, c, other: company_services.company_create(data={"name": "Acme", "domain": "acme.com"}),
    ],
    ids=["update", "upsert", "stage", "note", "merge", "company-links-contacts"],
)
def test_given_timeline_write_fails_then_the_change_is_rolled_back(system_actor, make_contact, broken_timeline, change):
    contact = make_contact(email="ann@acme.com", first_name="Ann")
    other = make_contact(email="bob@example.com")
    before = [
        list(Contact.objects.order_by("pk").values()),
        list(StageChange.objects.values_list("pk", flat=True)),
        Note.objects.count(),
        Company.objects.count(),
        Tag.objects.count(),
    ]
    broken_timeline()
    with pytest.raises(RuntimeError):
        change(system_actor, contact, other)
    after = [
        list(Contact.objects.order_by("pk").values()),
        list(StageChange.objects.values_list("pk", flat=True)),
        Note.objects.count(),
        Company.objects.count(),
        Tag.objects.count(),
    ]
    assert after == before


def test_given_an_owner_when_creating_then_the_created_row_names_fields_as_the_api_does(system_actor, admin_user):
    contact = upsert(system_actor, email="o@example.com", owner=admin_user.pk).contact
    created = Activity.objects.get(contact=contact, kind="created")
    assert created.data["fields"]["owner"] == admin_user.pk
    assert "owner_id" not in created.data["fields"]
