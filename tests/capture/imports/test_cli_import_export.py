import json

import pytest

from sarnakh import cli
from sarnakh.capture.imports.models import ContactImport
from sarnakh.contacts.models import Contact
from tests.capture.imports.conftest import cp1256, write_csv

pytestmark = pytest.mark.django_db

TEXT = "نام;ایمیل;تلفن;بودجه\r\nعلی;ali@example.com;09121234567;100\r\nبد;bad@;;\r\nسارا;sara@example.com;;200\r\n"


def test_given_cp1256_file_when_importing_from_cli_then_progress_counts_and_error_report(tmp_path, capsys):
    path = write_csv(tmp_path, cp1256(TEXT))
    mapping = write_csv(tmp_path, json.dumps({"بودجه": "properties.budget"}), name="mapping.json")

    code = cli.main(["import", "contacts", str(path), "--mapping", str(mapping), "--channel", "cold-email", "--tag", "expo"])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "100%" in err and "rows" in err
    assert "new 2, updated 0, skipped 0, invalid 1" in out
    report = out.split("Error report: ")[1].split()[0]
    assert "ایمیل".replace("ی", "ي") in open(report, encoding="utf-8-sig").read()
    ali = Contact.objects.get(email="ali@example.com")
    assert (ali.channel, ali.properties, list(ali.tags.values_list("name", flat=True))) == ("cold_email", {"budget": "100"}, ["expo"])
    assert ContactImport.objects.get().file_path == str(path.resolve())  # read in place, not copied

    code = cli.main(["import", "contacts", str(path), "--on-duplicate", "skip", "--delimiter", ";", "--encoding", "cp1256"])
    out, _err = capsys.readouterr()
    assert code == 0 and "new 0, updated 0, skipped 2, invalid 1" in out
    assert Contact.objects.count() == 2


def test_dry_run_from_cli_prints_preview_and_writes_nothing(tmp_path, capsys):
    code = cli.main(["import", "contacts", str(write_csv(tmp_path, TEXT)), "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "Dry run (nothing written) done" in out and "row 2: new" in out and "row 3: invalid" in out
    assert Contact.objects.count() == 0


def test_bad_options_exit_2_with_the_problem(tmp_path, capsys):
    assert cli.main(["import", "contacts", str(tmp_path / "missing.csv")]) == 2
    assert cli.main(["import", "contacts", str(write_csv(tmp_path, TEXT)), "--channel", "fax"]) == 2
    assert "channel:" in capsys.readouterr().err


def test_export_writes_filtered_contacts_with_bom(tmp_path, capsys):
    cli.main(["import", "contacts", str(write_csv(tmp_path, TEXT)), "--channel", "event"])
    cli.main(["import", "contacts", str(write_csv(tmp_path, "email\nz@example.com\n", name="b.csv"))])
    capsys.readouterr()
    target = tmp_path / "out.csv"
    assert cli.main(["export", "contacts", str(target), "--channel", "event"]) == 0
    assert "Exported 2 contacts" in capsys.readouterr().out
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,") and "سارا" in data.decode("utf-8") and b"z@example.com" not in data


def test_given_phones_and_signed_numbers_when_exported_and_imported_again_then_unchanged(tmp_path, capsys):
    source = "email,phone,delta,note\r\na@example.com,+989121234567,-5,=HYPERLINK(\"http://x\")\r\nb@example.com,+4915112345678,+3.2,ok\r\n"
    mapping = write_csv(tmp_path, json.dumps({"delta": "properties.delta", "note": "properties.note"}), name="mapping.json")
    assert cli.main(["import", "contacts", str(write_csv(tmp_path, source)), "--mapping", str(mapping)]) == 0
    before = {c.email: (c.phone, c.properties) for c in Contact.objects.all()}
    exported = tmp_path / "out.csv"
    assert cli.main(["export", "contacts", str(exported)]) == 0
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    assert ",+989121234567," in lines[1] and ",-5," in lines[1] and "'=HYPERLINK" in lines[1] and ",+3.2" in lines[2]
    Contact.objects.all().delete()
    capsys.readouterr()

    back = write_csv(tmp_path, json.dumps({"properties.delta": "properties.delta", "properties.note": "properties.note", "id": ""}), name="back.json")
    code = cli.main(["import", "contacts", str(exported), "--mapping", str(back)])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "new 2, updated 0, skipped 0, invalid 0" in out
    after = {c.email: (c.phone, c.properties["delta"]) for c in Contact.objects.all()}
    assert after == {email: (phone, props["delta"]) for email, (phone, props) in before.items()}
    assert after["a@example.com"] == ("+989121234567", "-5") and after["b@example.com"] == ("+4915112345678", "+3.2")
    # The quote that kept the formula from running is not part of the value read back.
    assert Contact.objects.get(email="a@example.com").properties["note"] == '=HYPERLINK("http://x")'


def test_dry_run_from_cli_names_date_order_matches_duplicates_and_unknown_values(tmp_path, capsys):
    cli.main(["import", "contacts", str(write_csv(tmp_path, "email\nold@example.com\n", name="old.csv"))])
    capsys.readouterr()
    text = "email,source,created\nold@example.com,Trade Fair,31.12.2017\nnew@example.com,,01.02.2018\nnew@example.com,,\n"

    code = cli.main(["import", "contacts", str(write_csv(tmp_path, text)), "--dry-run", "--unknown-channel", "event"])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "warnings 2" in out
    assert "Dates in 'created': day-first (detected from '31.12.2017')" in out
    assert "Rows that update existing contacts (1):" in out and "row 2: email 'old@example.com' — Will update contact #" in out
    assert "row 2: source 'Trade Fair' — Unknown channel: imported as “Event / trade show”." in out
    assert "row 4: email 'new@example.com' — Same person as row 3" in out
    assert Contact.objects.count() == 1
