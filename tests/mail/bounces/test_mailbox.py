"""The bounce mailbox end to end: a Maildir read in bounded batches, each message applied
once and moved to .Processed; `sarnakh mail bounces process`; the housekeeping job."""

from __future__ import annotations

import io
import mailbox

import pytest

from sarnakh.cli import build_parser
from sarnakh.core.housekeeping import PERIODIC
from sarnakh.core.models import EventRecord
from sarnakh.mail.bounces import services
from sarnakh.mail.bounces.commands import cmd_bounces_process
from sarnakh.mail.bounces.mailbox import MailboxError, parse_mailbox_url
from sarnakh.mail.bounces.models import Bounce, FeedbackReceipt
from sarnakh.mail.delivery.services import SendRefused
from sarnakh.mail.subscriptions.models import Suppression
from tests.mail.bounces.conftest import report, send

pytestmark = pytest.mark.django_db


def test_given_a_maildir_with_a_bounce_a_complaint_and_an_auto_reply_then_one_run_applies_them_and_files_them(sender, maildir):
    bounced, complained, away = send("n1", "gone@example.org"), send("n2", "angry@example.org"), send("n3", "away@example.org")
    for raw in (report("postfix.eml", row=bounced), report("arf_complaint.eml", row=complained),
                report("out_of_office.eml", row=away)):
        maildir.add(mailbox.MaildirMessage(raw))

    run = services.mailbox_process()

    assert run.read == 3 and run.error == ""
    assert run.outcomes == {"hard": 1, "complaint": 1, "ignored": 1} and run.ignored == {"auto_reply": 1}
    assert len(maildir) == 0 and len(maildir.get_folder("Processed")) == 3
    assert set(Suppression.objects.values_list("address", "reason")) == {("gone@example.org", "hard_bounce"),
                                                                         ("angry@example.org", "complaint")}
    with pytest.raises(SendRefused):
        send("n4", "gone@example.org", contact_id=bounced.contact_id)


def test_given_a_crash_after_commit_before_the_move_then_the_next_run_counts_a_duplicate_and_changes_nothing(sender, maildir):
    row = send("n1")
    raw = report("postfix.eml", row=row)
    services.report_apply(raw=raw)  # the first run committed, then died before moving the message
    maildir.add(mailbox.MaildirMessage(raw))

    run = services.mailbox_process()

    assert run.outcomes == {"duplicate": 1} and len(maildir) == 0
    assert Bounce.objects.count() == 1 and EventRecord.objects.filter(name="email.bounced").count() == 1


def test_given_more_messages_than_the_limit_then_a_run_reads_only_its_batch(sender, maildir):
    for n in range(5):
        maildir.add(mailbox.MaildirMessage(report("exim.eml", to=f"p{n}@example.org").replace(b"E1tQx2f", f"E{n}".encode())))

    assert services.mailbox_process(limit=2).read == 2
    assert len(maildir) == 3
    assert services.mailbox_process(limit=10).read == 3
    assert FeedbackReceipt.objects.count() == 5 and Suppression.objects.count() == 5


def test_given_a_message_that_fails_then_it_stays_in_the_inbox_and_the_others_go_on(sender, maildir, monkeypatch):
    maildir.add(mailbox.MaildirMessage(report("exim.eml", to="a@example.org")))
    real = services.report_apply
    calls = []

    def flaky(*, raw, source=services.MAILBOX):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(raw=raw, source=source)

    monkeypatch.setattr(services, "report_apply", flaky)
    assert services.mailbox_process().outcomes == {"failed": 1}
    assert len(maildir) == 1 and not Bounce.objects.exists()
    assert services.mailbox_process().outcomes == {"hard": 1}
    assert len(maildir) == 0


def test_given_the_cli_then_it_processes_the_mailbox_and_prints_the_counts(sender, maildir):
    maildir.add(mailbox.MaildirMessage(report("exim.eml", to="a@example.org")))
    args = build_parser().parse_args(["mail", "bounces", "process", "--limit", "10"])
    out, err = io.StringIO(), io.StringIO()

    assert args.func is cmd_bounces_process
    assert cmd_bounces_process(args, stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue().strip() == "1 read; 1 hard"


def test_given_no_mailbox_or_a_bad_limit_then_the_cli_says_why(db, settings):
    settings.SARNAKH_BOUNCE_MAILBOX = ""
    err = io.StringIO()
    assert cmd_bounces_process(build_parser().parse_args(["mail", "bounces", "process"]), stdout=io.StringIO(), stderr=err) == 1
    assert "SARNAKH_BOUNCE_MAILBOX is not set" in err.getvalue()
    err = io.StringIO()
    args = build_parser().parse_args(["mail", "bounces", "process", "--limit", "501"])
    assert cmd_bounces_process(args, stdout=io.StringIO(), stderr=err) == 2 and "--limit" in err.getvalue()


def test_given_a_missing_maildir_then_the_run_reports_the_error(db, settings, tmp_path):
    settings.SARNAKH_BOUNCE_MAILBOX = f"maildir://{tmp_path}/nowhere"
    assert "no maildir" in services.mailbox_process().error


@pytest.mark.parametrize(("url", "expect"), [
    ("imaps://bounce%40example.ir:s3cret@imap.example.ir/INBOX", ("imaps", "imap.example.ir", 993, "bounce@example.ir", "INBOX")),
    ("imap://u:p@mail.example.ir:1143/Bounces", ("imap", "mail.example.ir", 1143, "u", "Bounces")),
])
def test_given_imap_urls_then_they_are_read(url, expect):
    parsed = parse_mailbox_url(url)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.user, parsed.folder) == expect


@pytest.mark.parametrize("url", ["pop3://u:p@h/", "maildir://relative", "imaps://host-without-user/INBOX",
                                 "maildir:///x?processed=../../etc"])
def test_given_bad_mailbox_urls_then_they_are_refused(url):
    with pytest.raises(MailboxError):
        parse_mailbox_url(url)


def test_given_a_configured_mailbox_then_housekeeping_queues_the_run(db, settings, maildir):
    from django_tasks_db.models import DBTaskResult

    PERIODIC["mail.bounces.process_mailbox"].handler()
    assert DBTaskResult.objects.filter(task_path__endswith="process_mailbox").count() == 1
    settings.SARNAKH_BOUNCE_MAILBOX = ""
    PERIODIC["mail.bounces.process_mailbox"].handler()
    assert DBTaskResult.objects.filter(task_path__endswith="process_mailbox").count() == 1
