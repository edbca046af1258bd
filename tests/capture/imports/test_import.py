import datetime as dt

import pytest
from django.utils import timezone

from sarnakh.capture.imports import services
from sarnakh.capture.imports.models import ContactImport, ImportRowError
from sarnakh.contacts.models import Activity, Company, Contact, PropertyDefinition, StageChange
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.imports.conftest import cp1256, create_import, run_import, write_csv

pytestmark = pytest.mark.django_db

FIRST_NAMES = ["علی", "مریم", "رضا", "سارا", "حسین", "زهرا", "محمد", "فاطمه", "امیر", "نرگس"]


def persian_file(rows: int = 100, *, bad_every: int = 20) -> tuple[str, set[int], dict[int, str]]:
    """A Persian Excel-style list: every `bad_every`-th row has a bad email or phone."""
    lines = ["نام,نام خانوادگی,ایمیل,موبایل,شرکت,سمت"]
    bad_rows: set[int] = set()
    bad_columns: dict[int, str] = {}
    for i in range(rows):
        row_number = i + 2
        email, phone = f"user{i}@gmail.com", f"0912{i:07d}"
        if (i + 1) % bad_every == 0:
            bad_rows.add(row_number)
            if (i // bad_every) % 2 == 0:
                email, bad_columns[row_number] = f"user{i}-at-gmail", "ایمیل"
            else:
                phone, bad_columns[row_number] = "12", "موبایل"
        lines.append(f"{FIRST_NAMES[i % 10]},کریمی {i},{email},{phone},شرکت نمونه {i % 7},مدیر فروش")
    return "\r\n".join(lines) + "\r\n", bad_rows, bad_columns


@pytest.fixture
def import_actor(admin_user):
    return Actor(source="import", user=admin_user, label=admin_user.get_username())


def test_given_windows_1256_file_with_5_percent_bad_rows_when_imported_twice_then_good_rows_once_and_bad_reported(tmp_path, actor, engine):
    text, bad_rows, bad_columns = persian_file(100)
    path = write_csv(tmp_path, cp1256(text))

    first = run_import(path, actor, engine=engine, batch_size=30)

    assert first.status == ContactImport.Status.DONE, first.error_message
    assert (first.encoding, first.delimiter) == ("cp1256", ",")
    assert (first.new_count, first.updated_count, first.skipped_count, first.invalid_count) == (95, 0, 0, 5)
    assert first.total_rows == first.rows_done == 100
    errors = list(ImportRowError.objects.filter(contact_import=first))
    assert {e.row_number for e in errors} == bad_rows
    assert {e.row_number: e.column.replace("ي", "ی") for e in errors} == bad_columns
    assert all(e.value and e.message for e in errors)
    assert Contact.objects.count() == 95
    ali = Contact.objects.get(email="user0@gmail.com")
    assert (ali.first_name, ali.phone, ali.source_type, ali.channel) == ("علي", "+989120000000", "outbound", "list_import")
    assert ali.company.name.startswith("شركت") or ali.company.name.startswith("شرکت")
    assert Company.objects.count() == 7

    second = run_import(path, actor, engine=engine, batch_size=30)

    assert (second.new_count, second.updated_count, second.invalid_count) == (0, 95, 5)
    assert Contact.objects.count() == 95
    third = run_import(path, actor, engine=engine, on_duplicate="skip")
    assert (third.new_count, third.updated_count, third.skipped_count) == (0, 0, 95)
    assert Activity.objects.filter(data__import_id=third.pk).count() == 0


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("utf-16-le", ","), ("cp1256", ";")],
)
def test_given_each_encoding_and_delimiter_when_importing_then_same_contacts(tmp_path, actor, encoding, delimiter):
    d = delimiter
    text = f'First Name{d}Last Name{d}Email Address{d}Notes\r\nسارا{d}"احمدی{d} نیک"{d}Sara@Example.com{d}"line one\r\nline two"\r\nJohn{d}Smith{d}john@example.com{d}\r\n'
    data = cp1256(text) if encoding == "cp1256" else text.encode(encoding)
    done = run_import(write_csv(tmp_path, data), actor, mapping={"Notes": "properties.notes"})
    assert done.status == "done", done.error_message
    assert done.delimiter == delimiter and done.new_count == 2
    sara = Contact.objects.get(email="sara@example.com")
    assert sara.last_name.replace("ي", "ی") == " ".join(f"احمدی{d} نیک".split())
    assert sara.properties == {"notes": "line one\r\nline two"}
    assert PropertyDefinition.objects.filter(key="notes", type="text").exists()


def test_given_duplicates_inside_the_file_when_importing_then_policy_applies_across_batches(tmp_path, actor, engine):
    text = "email,phone,first name,job title\nA@example.com,,Ali,\n,09121112233,Phone Only,\na@example.com,,,CEO\n,+989121112233,,CTO\n"
    path = write_csv(tmp_path, text)
    updated = run_import(path, actor, engine=engine, batch_size=2)
    assert (updated.new_count, updated.updated_count) == (2, 2)
    assert Contact.objects.get(email="a@example.com").job_title == "CEO"
    assert Contact.objects.get(phone="+989121112233").job_title == "CTO"
    Contact.objects.all().delete()
    skipped = run_import(path, actor, engine=engine, batch_size=3, on_duplicate="skip")
    assert (skipped.new_count, skipped.skipped_count) == (2, 2)
    assert set(Contact.objects.values_list("job_title", flat=True)) == {""}


def test_given_existing_contacts_when_importing_under_both_policies_then_update_or_leave_alone(tmp_path, actor, engine):
    existing = contact_upsert(data={"email": "sara@example.com", "first_name": "Sara", "stage": "sql"}, actor=actor).contact
    text = "Email,Job Title,Lifecycle Stage,Lead Status\nsara@example.com,CTO,Lead,In Progress\nnew@example.com,Dev,Marketing Qualified Lead,\n"
    path = write_csv(tmp_path, text)

    skipped = run_import(path, actor, engine=engine, on_duplicate="skip")
    existing.refresh_from_db()
    assert (skipped.new_count, skipped.skipped_count) == (1, 1)
    assert (existing.job_title, existing.lead_status) == ("", "new")

    updated = run_import(path, actor, engine=engine, on_duplicate="update")
    existing.refresh_from_db()
    assert (updated.new_count, updated.updated_count) == (0, 2)
    # Updated fields, but a backward stage move is never made by an import; first touch stays.
    assert (existing.job_title, existing.lead_status, existing.stage_id, existing.source_type) == ("CTO", "in_progress", "sql", "inbound")
    assert Contact.objects.get(email="new@example.com").stage_id == "mql"
    activity = Activity.objects.filter(contact=existing, kind="updated").latest("id")
    assert activity.data["import_id"] == updated.pk and activity.data["file"] == "contacts.csv"
    assert activity.data["changes"]["job_title"] == ["", "CTO"]


def test_imported_contacts_record_source_channel_tag_timeline_and_created_date(tmp_path, actor, engine):
    text = "email,Create Date,Tags,Budget\nx@acme.io,2023-02-01 10:00,vip;expo,1000\n"
    done = run_import(write_csv(tmp_path, text), actor, engine=engine, channel="cold-email", tag="Expo 2024",
                      mapping={"Budget": "properties.budget"})
    contact = Contact.objects.get(email="x@acme.io")
    assert (contact.source_type, contact.channel) == ("outbound", "cold_email")
    assert sorted(contact.tags.values_list("name", flat=True)) == ["Expo 2024", "expo", "vip"]
    assert contact.created_at.date() == dt.date(2023, 2, 1)
    assert contact.properties == {"budget": "1000"}
    created = Activity.objects.get(contact=contact, kind="created")
    assert created.data["import_id"] == done.pk and created.data["file"] == "contacts.csv"
    assert created.actor_label == actor.label
    assert StageChange.objects.get(contact=contact).source == "import"


def test_given_dry_run_when_run_then_counts_preview_and_errors_but_nothing_written(tmp_path, actor, engine):
    old = contact_upsert(data={"email": "old@example.com"}, actor=actor).contact
    text = "email,first name,Budget\nold@example.com,Old,5\nnew@example.com,New,6\nbad@,Bad,7\nNEW@example.com,Again,8\n"
    before = (Contact.objects.count(), Activity.objects.count(), Company.objects.count())
    done = run_import(write_csv(tmp_path, text), actor, engine=engine, batch_size=2, dry_run=True, mapping={"Budget": "properties.budget"})
    assert done.status == "done", done.error_message
    assert (done.new_count, done.updated_count, done.invalid_count) == (1, 2, 1)
    assert (Contact.objects.count(), Activity.objects.count(), Company.objects.count()) == before
    assert not PropertyDefinition.objects.filter(key="budget").exists()
    assert [p["action"] for p in done.preview] == ["updated", "new", "invalid", "updated"]
    assert done.preview[1]["contact"]["email"] == "new@example.com"
    assert done.preview[1]["contact"]["properties"] == {"budget": "6"}
    assert done.preview[2]["errors"][0]["column"] == "email"
    assert ImportRowError.objects.filter(contact_import=done, level="error").count() == 1
    # The dry run says which rows update which contact, and which rows repeat an earlier one.
    assert done.preview[0]["match"] == {"contact_id": old.pk, "same_as_row": None, "matched_on": "email", "email": "old@example.com", "phone": ""}
    assert done.preview[3]["match"]["same_as_row"] == 3 and done.preview[3]["match"]["contact_id"] is None
    notes = [(n.row_number, n.level, n.contact_id, n.same_as_row) for n in ImportRowError.objects.filter(contact_import=done).exclude(level="error")]
    assert notes == [(2, "match", old.pk, None), (5, "warning", None, 3)]
    assert done.warning_count == 1


def test_given_import_when_job_runs_twice_then_second_run_does_nothing(tmp_path, actor):
    contact_import = create_import(write_csv(tmp_path, "email\na@example.com\n"), actor)
    assert contact_import.status == "queued"
    assert run_pending_jobs() >= 1
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.new_count) == ("done", 1)
    assert services.import_run(import_id=contact_import.pk) is None
    assert Activity.objects.filter(data__import_id=contact_import.pk).count() == 1


def test_given_queued_import_when_cancelled_then_job_does_nothing(tmp_path, actor):
    contact_import = create_import(write_csv(tmp_path, "email\na@example.com\n"), actor)
    services.import_cancel(import_id=contact_import.pk, actor=actor)
    run_pending_jobs()
    contact_import.refresh_from_db()
    assert contact_import.status == "cancelled" and Contact.objects.count() == 0


def test_given_running_import_when_cancelled_then_stops_after_the_batch(tmp_path, actor, engine):
    text = "email\n" + "".join(f"u{i}@example.com\n" for i in range(10))
    contact_import = create_import(write_csv(tmp_path, text), actor)

    def cancel_after_first_batch(imp, totals):
        if totals.rows_done == 3:
            services.import_cancel(import_id=imp.pk, actor=actor)

    done = services.import_run(import_id=contact_import.pk, engine=engine, batch_size=3, on_batch=cancel_after_first_batch)
    assert done.status == "cancelled"
    assert done.rows_done == 3 and done.new_count == 3 and Contact.objects.count() == 3


def test_given_interrupted_import_when_job_runs_again_then_resumes_after_last_batch(tmp_path, actor):
    text = "email\n" + "".join(f"u{i}@example.com\n" for i in range(7))
    contact_import = create_import(write_csv(tmp_path, text), actor)

    def crash(imp, totals):
        raise KeyboardInterrupt  # the worker dies after committing the first batch

    with pytest.raises(KeyboardInterrupt):
        services.import_run(import_id=contact_import.pk, batch_size=3, on_batch=crash)
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.rows_done) == ("running", 3)
    done = services.import_run(import_id=contact_import.pk, batch_size=3)
    assert (done.status, done.new_count, done.rows_done) == ("done", 7, 7)
    assert Contact.objects.count() == 7


def test_given_unreadable_file_or_bad_options_when_creating_then_422(tmp_path, actor):
    from sarnakh.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as empty:
        create_import(write_csv(tmp_path, b""), actor)
    assert "file" in empty.value.fields
    with pytest.raises(ValidationFailed) as bad:
        create_import(write_csv(tmp_path, "email\nx@example.com\n"), actor, on_duplicate="merge", channel="fax",
                      mapping={"email": "password"})
    assert set(bad.value.fields) == {"on_duplicate", "channel", "mapping"}
    with pytest.raises(ValidationFailed) as no_identity:
        create_import(write_csv(tmp_path, "notes\nhello\n"), actor)
    assert "mapping" in no_identity.value.fields


def test_batch_writer_never_reuses_the_id_of_a_deleted_contact(tmp_path, actor):
    gone = contact_upsert(data={"email": "gone@example.com"}, actor=actor).contact
    Contact.objects.filter(pk=gone.pk).delete()
    run_import(write_csv(tmp_path, "email\nnew1@example.com\nnew2@example.com\n"), actor, engine="batch")
    after = contact_upsert(data={"email": "api@example.com"}, actor=actor).contact
    ids = [Contact.objects.get(email=e).pk for e in ("new1@example.com", "new2@example.com")]
    assert gone.pk < ids[0] < ids[1] < after.pk


def test_given_someone_creates_the_same_person_mid_batch_then_batch_redone_row_by_row(tmp_path, actor, monkeypatch):
    from sarnakh.contacts.bulk.upsert import BatchWriter

    contact_upsert(data={"email": "race@example.com", "first_name": "Api"}, actor=actor)
    real_load = BatchWriter._load
    # The batch's look-up ran before the API request committed: it saw nobody.
    monkeypatch.setattr(BatchWriter, "_load", lambda self, rows: real_load(self, []))
    done = run_import(write_csv(tmp_path, "email,job title\nrace@example.com,CTO\nfresh@example.com,Dev\n"), actor, engine="batch")
    assert (done.status, done.new_count, done.updated_count) == ("done", 1, 1)
    assert Contact.objects.get(email="race@example.com").job_title == "CTO"
    assert Contact.objects.count() == 2


def test_given_an_email_domain_of_another_company_when_a_company_is_named_then_the_named_one_wins(tmp_path, actor, engine):
    agency = contact_upsert(data={"email": "boss@agency.com", "company": "Agency"}, actor=actor).contact.company
    assert agency.domain == "agency.com"
    contact_upsert(data={"email": "old@pars.ir", "company": "Pars Co"}, actor=actor)
    text = "Email,Company\nali@agency.com,Pars Co\nsara@agency.com,Tehran Labs\nreza@agency.com,\nmina@newco.io,NewCo\n"

    done = run_import(write_csv(tmp_path, text), actor, engine=engine)

    assert (done.new_count, done.invalid_count) == (4, 0)
    companies = dict(Contact.objects.filter(email__endswith="agency.com").values_list("email", "company__name"))
    assert companies == {"boss@agency.com": "Agency", "ali@agency.com": "Pars Co", "sara@agency.com": "Tehran Labs", "reza@agency.com": "Agency"}
    # A new company takes the email's domain only when no company holds it.
    assert dict(Company.objects.values_list("name", "domain")) == {
        "Agency": "agency.com", "Pars Co": "pars.ir", "Tehran Labs": "", "NewCo": "newco.io",
    }


CRM_EXPORT = (
    "Email,Lead Source,Lifecycle Stage,Lead Status,Country,Create Date\r\n"
    "a@example.com,Trade Fair Tehran,Warm Lead,Nurturing,Atlantis,31-12-2017\r\n"
    "b@example.com,Paid Search,Customer,New,Iran,01/02/2018 18:30\r\n"
    "c@example.com,Partner Webinar,,,,\r\n"
)


def test_given_unknown_choice_values_when_importing_then_rows_kept_with_warnings_and_originals(tmp_path, actor, engine):
    done = run_import(write_csv(tmp_path, CRM_EXPORT), actor, engine=engine)

    assert (done.new_count, done.invalid_count, done.warning_count) == (3, 0, 5)
    a = Contact.objects.get(email="a@example.com")
    assert (a.channel, a.stage_id, a.lead_status, a.country) == ("other", "lead", "new", "")
    assert a.properties == {"source_detail": "Trade Fair Tehran", "original_stage": "Warm Lead",
                            "original_lead_status": "Nurturing", "original_country": "Atlantis"}
    b = Contact.objects.get(email="b@example.com")
    assert (b.channel, b.stage_id, b.country, b.properties) == ("paid_search", "customer", "IR", {})
    assert Contact.objects.get(email="c@example.com").properties == {"source_detail": "Partner Webinar"}
    warnings = list(ImportRowError.objects.filter(contact_import=done, level="warning").values_list("row_number", "column", "value"))
    assert warnings == [(2, "Lead Source", "Trade Fair Tehran"), (2, "Lead Status", "Nurturing"), (2, "Country", "Atlantis"),
                        (2, "Lifecycle Stage", "Warm Lead"), (4, "Lead Source", "Partner Webinar")]
    assert not ImportRowError.objects.filter(contact_import=done, level="error").exists()
    definition = PropertyDefinition.objects.get(key="source_detail")
    assert definition.type == "text" and "Source detail" in definition.label


def test_given_an_unknown_value_setting_when_importing_then_it_is_used(tmp_path, actor, engine):
    done = run_import(write_csv(tmp_path, CRM_EXPORT), actor, engine=engine, unknown_channel="event", unknown_stage="mql")

    a = Contact.objects.get(email="a@example.com")
    assert (a.channel, a.stage_id, done.warning_count) == ("event", "mql", 5)
    assert Contact.objects.get(email="c@example.com").channel == "event"


def test_given_day_first_dates_when_importing_then_the_column_is_read_day_first_and_the_order_recorded(tmp_path, actor, engine):
    done = run_import(write_csv(tmp_path, CRM_EXPORT), actor, engine=engine)

    assert done.date_orders == {"Create Date": {"order": "day_first", "how": "detected", "example": "31-12-2017"}}
    created = dict(Contact.objects.filter(email__in=["a@example.com", "b@example.com"]).values_list("email", "created_at"))
    local = timezone.get_default_timezone()
    assert created["a@example.com"].astimezone(local).date() == dt.date(2017, 12, 31)
    assert created["b@example.com"].astimezone(local).replace(tzinfo=None) == dt.datetime(2018, 2, 1, 18, 30)


def test_given_jalali_dates_in_persian_digits_when_importing_then_gregorian_created_dates(tmp_path, actor, engine):
    text = "ایمیل,تاریخ ثبت\r\nx@example.com,۱۴۰۳/۰۵/۱۲ ۱۸:۳۰\r\ny@example.com,1402/12/29\r\n"

    done = run_import(write_csv(tmp_path, text), actor, engine=engine)

    assert (done.new_count, done.invalid_count) == (2, 0)
    assert done.date_orders["تاریخ ثبت"]["order"] == "year_first"
    dates = dict(Contact.objects.values_list("email", "created_at__date"))
    assert dates == {"x@example.com": dt.date(2024, 8, 2), "y@example.com": dt.date(2024, 3, 19)}


def test_given_a_chosen_month_first_order_when_a_value_is_day_first_then_that_row_is_refused(tmp_path, actor):
    done = run_import(write_csv(tmp_path, CRM_EXPORT), actor, date_order="month-first")

    assert done.date_orders["Create Date"]["how"] == "chosen"
    assert (done.new_count, done.invalid_count) == (2, 1)
    error = ImportRowError.objects.get(contact_import=done, level="error")
    assert (error.row_number, error.column, error.value) == (2, "Create Date", "31-12-2017")


def test_given_duplicates_across_batches_when_dry_run_then_each_says_which_row_or_contact_it_updates(tmp_path, actor, engine):
    existing = contact_upsert(data={"phone": "09121112233"}, actor=actor).contact
    text = "email,phone\nA@example.com,\n,09121112233\nz@example.com,\na@example.com,\nz@example.com,\n"

    done = run_import(write_csv(tmp_path, text), actor, engine=engine, batch_size=2, dry_run=True)

    assert (done.new_count, done.updated_count) == (2, 3)
    notes = [(n.row_number, n.level, n.column, n.contact_id, n.same_as_row)
             for n in ImportRowError.objects.filter(contact_import=done).order_by("row_number")]
    assert notes == [(3, "match", "phone", existing.pk, None), (5, "warning", "email", None, 2), (6, "warning", "email", None, 4)]
    assert [p["match"] and p["match"]["same_as_row"] for p in done.preview] == [None, None, None, 2, 4]


def test_given_duplicates_when_really_imported_then_a_warning_names_the_first_row(tmp_path, actor, engine):
    text = "email,job title\na@example.com,Dev\nb@example.com,\na@example.com,CTO\n"

    done = run_import(write_csv(tmp_path, text), actor, engine=engine, batch_size=1)

    assert (done.new_count, done.updated_count, done.warning_count) == (2, 1, 1)
    note = ImportRowError.objects.get(contact_import=done)
    assert (note.level, note.row_number, note.same_as_row) == ("warning", 4, 2)
    assert "row 2" in note.message
