import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from sarnakh.contacts.choices import ActivityKind
from sarnakh.contacts.demo import load_demo
from sarnakh.contacts.models import Activity, Company, Contact, Note, StageChange
from sarnakh.contacts.search import contact_search_text
from sarnakh.contacts.selectors import ContactFilters, contact_queryset
from sarnakh.core import clock
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.normalize import normalize_email, normalize_phone
from sarnakh.core.roles import role_of

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2025, 3, 21, 9, 30, tzinfo=dt.UTC)


def _load(**kwargs):
    with clock.frozen_at(MOMENT):
        return load_demo(**{"contacts": 120, "companies": 20, "seed": 7, "days": 90, **kwargs})


def _snapshot():
    return sorted(
        Contact.objects.values_list(
            "first_name", "last_name", "email", "phone", "company__domain", "channel", "stage", "created_at", "owner__username"
        )
    )


def test_given_empty_database_when_loading_demo_then_it_has_the_asked_counts_and_users():
    summary = _load()
    assert Contact.objects.count() == 120
    assert Company.objects.count() == 20
    users = {u.username: role_of(u) for u in get_user_model().objects.filter(username__in=["maryam", "reza", "sara"])}
    assert users == {"maryam": "marketing", "reza": "sales", "sara": "sales"}
    assert "120" in summary and "maryam" in summary
    password = summary.split("password for all: ")[1].split(")")[0]
    assert get_user_model().objects.get(username="reza").check_password(password)


def test_given_demo_then_every_contact_has_a_created_activity_and_stage_history_matching_its_stage():
    _load()
    contacts = Contact.objects.annotate(created_rows=Count("activities", filter=Q(activities__kind=ActivityKind.CREATED)))
    assert all(c.created_rows == 1 for c in contacts)
    for contact in Contact.objects.all():
        history = list(StageChange.objects.filter(contact=contact).order_by("changed_at", "id"))
        assert history, contact
        assert history[0].from_stage == ""
        assert history[-1].to_stage == contact.stage_id
        assert all(a.to_stage == b.from_stage for a, b in zip(history, history[1:], strict=False))
        assert all(c.changed_at >= contact.created_at for c in history)
    assert StageChange.objects.count() == Activity.objects.filter(kind=ActivityKind.STAGE_CHANGED).count()
    assert Note.objects.filter(contact__isnull=False).count() == Activity.objects.filter(kind=ActivityKind.NOTE_ADDED).count()


def test_given_demo_then_all_channels_both_source_types_and_funnel_shape_are_present():
    _load(contacts=300)
    assert set(Contact.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(Contact.objects.values_list("source_type", flat=True)) == set(SourceType.values)
    reached = {key: StageChange.objects.filter(to_stage=key).values("contact").distinct().count() for key in ["lead", "mql", "sql"]}
    assert reached["lead"] > reached["mql"] > reached["sql"] > 0
    assert StageChange.objects.filter(to_stage__in=["recycled", "disqualified", "cold"]).exclude(reason="").exists()
    assert not StageChange.objects.filter(to_stage__in=["recycled", "disqualified", "cold"], reason="").exists()
    inbound_with_utm = Contact.objects.filter(source_type=SourceType.INBOUND).exclude(utm_source="")
    assert inbound_with_utm.count() > Contact.objects.filter(source_type=SourceType.INBOUND).count() / 2


def test_given_demo_then_stored_values_are_normalised_and_dated_inside_the_window():
    _load()
    anchor = MOMENT.replace(hour=0, minute=0)
    for contact in Contact.objects.select_related("company"):
        if contact.email:
            assert contact.email == normalize_email(contact.email)
        if contact.phone:
            assert contact.phone == normalize_phone(contact.phone, region="IR")
        assert contact.search_text == contact_search_text(contact)
        assert anchor - dt.timedelta(days=92) <= contact.created_at < anchor
        assert contact.updated_at < anchor
    assert Contact.objects.filter(phone__startswith="+989").exists()
    assert any("\u0600" <= ch <= "\u06ff" for ch in "".join(Contact.objects.values_list("first_name", flat=True)))
    assert Contact.objects.filter(email__endswith="@gmail.com").exists() or Contact.objects.filter(email__endswith="@yahoo.com").exists()


def test_given_demo_then_persian_names_are_found_when_typed_with_arabic_letters():
    _load()
    persian = Contact.objects.filter(first_name="علی").first() or Contact.objects.filter(last_name__contains="ی").first()
    assert persian is not None
    query = persian.last_name.replace("ی", "ي").replace("ک", "ك")
    assert contact_queryset(ContactFilters(q=query)).filter(pk=persian.pk).exists()


def test_given_same_seed_when_loading_twice_then_data_is_identical():
    _load()
    first = _snapshot()
    Contact.objects.all().delete()
    Company.objects.all().delete()
    get_user_model().objects.filter(username__in=["maryam", "reza", "sara"]).delete()
    _load()
    assert _snapshot() == first


def test_given_demo_already_loaded_when_loading_again_then_it_refuses_and_changes_nothing():
    _load()
    before = (Contact.objects.count(), StageChange.objects.count())
    message = _load()
    assert "already" in message
    assert (Contact.objects.count(), StageChange.objects.count()) == before


def test_given_existing_contact_with_a_demo_email_when_loading_then_the_real_one_is_kept():
    _load()
    taken = Contact.objects.exclude(email="").order_by("id").first().email
    Contact.objects.all().delete()
    Company.objects.all().delete()
    get_user_model().objects.filter(username__in=["maryam", "reza", "sara"]).delete()
    from sarnakh.contacts.services import contact_upsert
    from sarnakh.core.actor import Actor

    contact_upsert(data={"email": taken, "first_name": "Real"}, actor=Actor.system())
    _load()
    assert Contact.objects.filter(email=taken).count() == 1
    assert Contact.objects.get(email=taken).first_name == "Real"
