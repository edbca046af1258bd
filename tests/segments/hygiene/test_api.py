"""/api/v1/hygiene: duplicates, merge, dismiss, inactive, sunset, decay, flags."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts.models import Contact
from sarnakh.core import clock
from tests.segments.hygiene.conftest import T0, add_contact

pytestmark = pytest.mark.django_db


def test_given_planted_duplicates_then_the_api_lists_merges_and_dismisses_pairs(read_api, write_api, planted):
    body = read_api.get("/api/v1/hygiene/duplicates").json()
    assert body["total"] == 3 and not body["truncated"]
    gmail = next(p for p in body["items"] if p["reasons"][0]["code"] == "same_gmail")
    older, newer = planted["gmail"]
    assert gmail["default_survivor_id"] == older.pk
    # a read key cannot write
    assert read_api.post("/api/v1/hygiene/duplicates/merge", {"survivor_id": older.pk, "loser_id": newer.pk}).status_code == 403
    merged = write_api.post("/api/v1/hygiene/duplicates/merge", {"survivor_id": older.pk, "loser_id": newer.pk})
    assert merged.status_code == 200 and merged.json() == {"survivor_id": older.pk, "loser_id": newer.pk}
    again = write_api.post("/api/v1/hygiene/duplicates/merge", {"survivor_id": older.pk, "loser_id": newer.pk})
    assert again.status_code == 422
    a, b = planted["phone"]
    dismissed = write_api.post("/api/v1/hygiene/duplicates/dismiss", {"contact_ids": [b.pk, a.pk]})
    assert dismissed.status_code == 200 and dismissed.json()["contact_ids"] == [a.pk, b.pk]
    assert read_api.get("/api/v1/hygiene/duplicates").json()["total"] == 1
    assert write_api.post("/api/v1/hygiene/duplicates/dismiss", {"contact_ids": [a.pk]}).status_code == 422


def test_given_inactive_contacts_then_the_api_counts_lists_and_sunsets_them(read_api, write_api, db):
    quiet = add_contact(T0, first_name="Quiet", email="quiet@example.ir", channel="event")
    with clock.frozen_at(T0 + dt.timedelta(days=200)):
        body = read_api.get("/api/v1/hygiene/inactive", {"days": 180}).json()
        assert body["count"] == 1 and body["items"][0]["id"] == quiet.pk
        assert body["by_channel"] == [{"key": "event", "count": 1}]
        assert read_api.get("/api/v1/hygiene/inactive", {"days": 2}).status_code == 422
        done = write_api.post("/api/v1/hygiene/inactive/sunset", {"contact_ids": [quiet.pk], "unsubscribe": True})
        assert done.json() == {"moved": 1, "unsubscribed": 1, "skipped": 0}
        decay = read_api.get("/api/v1/hygiene/decay").json()
    assert Contact.objects.get(pk=quiet.pk).consent == "unsubscribed"
    assert decay["benchmark"] == 25.0 and decay["total"]["marketable"] == 1 and decay["total"]["rate"] == 100.0


def test_given_flagged_addresses_then_the_api_counts_them(read_api, db):
    add_contact(T0, email="info@pars.ir")
    add_contact(T0, email="x@mailinator.com")
    assert read_api.get("/api/v1/hygiene/flags").json() == {"role": 1, "disposable": 1, "invalid": 0}


def test_given_planted_data_then_the_cli_prints_pairs_and_inactive_contacts(planted):
    import argparse
    import io

    from sarnakh.segments.hygiene import commands

    out, err = io.StringIO(), io.StringIO()
    assert commands.cmd_hygiene_duplicates(argparse.Namespace(limit=10), out, err) == 0
    lines = [line.split("\t") for line in out.getvalue().splitlines()]
    assert {(int(a), int(b)) for _score, a, b, _why in lines} == {
        tuple(sorted(p.pk for p in planted[k])) for k in ("gmail", "arabic", "phone")}
    assert "3 pairs among 7 contacts" in err.getvalue()
    assert commands.cmd_hygiene_duplicates(argparse.Namespace(limit=0), out, err) == 2
    out = io.StringIO()
    with clock.frozen_at(T0 + dt.timedelta(days=400)):
        assert commands.cmd_hygiene_inactive(argparse.Namespace(days=180, limit=100), out, err) == 0
    assert len(out.getvalue().splitlines()) == 7
