import datetime as dt

import pytest

from sarnakh.capture.imports.mapping import (
    map_choice_value,
    map_row,
    parse_created_at,
    property_key_for,
    suggest_mapping,
    validate_mapping,
)
from sarnakh.core.csv_export import csv_chunks, csv_lines, neutralize_cell

HUBSPOT = ["First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Company Name", "Job Title",
           "Lifecycle Stage", "Lead Status", "Create Date", "Annual Budget"]


def test_given_hubspot_headers_when_suggesting_then_fields_and_second_phone_ignored():
    mapping = suggest_mapping(HUBSPOT)
    assert mapping == {
        "First Name": "first_name", "Last Name": "last_name", "Email": "email", "Phone Number": "phone",
        "Mobile Phone Number": "", "Company Name": "company", "Job Title": "job_title", "Lifecycle Stage": "stage",
        "Lead Status": "lead_status", "Create Date": "created_at", "Annual Budget": "",
    }


def test_given_persian_and_salesforce_and_mautic_headers_when_suggesting_then_fields():
    assert suggest_mapping(["نام", "نام خانوادگی", "ایمیل", "تلفن", "موبایل", "شرکت", "سمت"]) == {
        "نام": "first_name", "نام خانوادگی": "last_name", "ایمیل": "email", "تلفن": "phone", "موبایل": "",
        "شرکت": "company", "سمت": "job_title",
    }
    # Arabic yeh/kaf variants and underscores fold the same way.
    assert suggest_mapping(["ايميل", "email_address", "Title", "firstname", "date_added"]) == {
        "ايميل": "email", "email_address": "", "Title": "job_title", "firstname": "first_name", "date_added": "created_at",
    }


def test_given_existing_property_key_when_suggesting_then_column_maps_to_it():
    assert suggest_mapping(["Email", "Annual Budget"], property_keys={"annual_budget"})["Annual Budget"] == "properties.annual_budget"
    assert property_key_for("Annual Budget (USD)") == "annual_budget_usd"
    assert property_key_for("۲۰۲۴ Budget") == "p_2024_budget"
    assert property_key_for("بودجه") == ""


def test_mapping_validation_names_problems():
    headers = ["Email", "Mail", "X"]
    assert validate_mapping({"Email": "email", "X": "properties.budget"}, headers) == {}
    errors = validate_mapping({"Email": "email", "Mail": "email", "Nope": "phone", "X": "password"}, headers)["mapping"]
    assert len(errors) == 3
    assert validate_mapping(["email"], headers)


@pytest.mark.parametrize(
    ("target", "label", "key"),
    [
        ("stage", "Marketing Qualified Lead", "mql"),
        ("stage", "salesqualifiedlead", "sql"),
        ("stage", "Customer", "customer"),
        ("stage", "مشتری", "customer"),
        ("lead_status", "In Progress", "in_progress"),
        ("lead_status", "Attempted to Contact", "attempted"),
        ("lead_status", "Open - Not Contacted", "new"),
        ("channel", "Cold Email", "cold_email"),
        ("channel", "cold-email", "cold_email"),
        ("channel", "Purchased List", "list_import"),
        ("stage", "Warm Lead", "warm_lead"),
    ],
)
def test_export_labels_map_to_our_keys(target, label, key):
    assert map_choice_value(target, label) == key


def test_given_row_when_mapping_then_empty_cells_left_out_and_values_translated():
    headers = ["Name", "Email", "Lifecycle Stage", "Tags", "Budget", "Country", "Created"]
    mapping = {"Name": "full_name", "Email": "email", "Lifecycle Stage": "stage", "Tags": "tags", "Budget": "properties.budget",
               "Country": "country", "Created": "created_at"}
    row = map_row(headers, mapping, ["Ali Reza Karimi", " a@example.com ", "Marketing Qualified Lead", "vip; expo 2024", "", "Iran"])
    assert row.data == {"first_name": "Ali", "last_name": "Reza Karimi", "email": "a@example.com", "stage": "mql",
                        "tags": ["vip", "expo 2024"], "country": "IR"}
    assert row.columns["first_name"] == "Name" and row.created_at == ""


def test_created_at_formats():
    tehran = dt.timezone(dt.timedelta(hours=3, minutes=30))
    assert parse_created_at("2024-05-31", tehran) == dt.datetime(2024, 5, 31, tzinfo=tehran)
    assert parse_created_at("2024-05-31T10:00:00Z", tehran) == dt.datetime(2024, 5, 31, 10, tzinfo=dt.UTC)
    assert parse_created_at("05/31/2024 14:30", tehran).hour == 14
    with pytest.raises(ValueError):
        parse_created_at("yesterday", tehran)


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+989121234567", "+989121234567"),
        ("-5", "-5"),
        ("+3.2", "+3.2"),
        ("-.5", "-.5"),
        ("-1.5e3", "-1.5e3"),
        ("+1-555-1234", "'+1-555-1234"),
        ("-2+3", "'-2+3"),
        ("+98 912", "'+98 912"),
        ("+1.2.3", "'+1.2.3"),
        ("+5\n", "'+5\n"),
        ("+۹۸۹۱۲", "'+۹۸۹۱۲"),
        ("--5", "'--5"),
        ("+", "'+"),
        ("-", "'-"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("=1", "'=1"),
        ("@1", "'@1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("علی", "علی"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(cell, safe):
    assert neutralize_cell(cell) == safe


def test_export_csv_starts_with_bom_and_neutralises_every_cell():
    text = "".join(csv_lines(["name", "note"], [["علی", "=1+1"], [None, ["a", "b"]]]))
    assert text.startswith("\ufeffname,note\r\n")
    assert text.splitlines()[1:] == ["علی,'=1+1", ",a; b"]
    data = b"".join(csv_chunks(["n"], ([str(i)] for i in range(10000)), chunk_chars=1000))
    assert data.startswith(b"\xef\xbb\xbfn\r\n") and data.count(b"\r\n") == 10001


def test_given_cells_an_export_neutralised_when_mapping_then_the_quote_is_dropped():
    headers = ["Email", "Phone", "Note", "Other"]
    mapping = {"Email": "email", "Phone": "phone", "Note": "properties.note", "Other": "properties.other"}

    row = map_row(headers, mapping, ["a@example.com", "'+989121234567", "'=SUM(A1)", "'quoted on purpose"])

    assert row.data["phone"] == "+989121234567"
    assert row.data["properties"] == {"note": "=SUM(A1)", "other": "'quoted on purpose"}
