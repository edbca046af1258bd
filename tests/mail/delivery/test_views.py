"""Settings → Senders: add a sender, generate its DKIM key, read the DNS records, send a
test email to oneself; in English and Persian."""

from __future__ import annotations

import pytest

from sarnakh.mail.delivery import selectors
from sarnakh.mail.delivery.models import SenderIdentity

pytestmark = pytest.mark.django_db(transaction=True)


def _add(client, **values) -> SenderIdentity:
    response = client.post("/settings/senders/new/", {"from_name": "تیم سرنخ", "from_address": "news@example.ir", **values})
    assert response.status_code == 302, response.content.decode()[:500]
    return SenderIdentity.objects.get(from_address="news@example.ir")


def test_given_an_admin_when_adding_a_sender_and_generating_its_key_then_the_page_shows_the_dns_records(admin_client):
    sender = _add(admin_client)
    response = admin_client.post(f"/settings/senders/{sender.pk}/", {"action": "dkim", "selector": "mail2026"})
    assert response.status_code == 302

    sender.refresh_from_db()
    page = admin_client.get(f"/settings/senders/{sender.pk}/").content.decode()
    assert sender.dkim_selector == "mail2026" and "BEGIN RSA PRIVATE KEY" in sender.dkim_private_key
    assert "mail2026._domainkey.example.ir" in page
    assert f"v=DKIM1; k=rsa; p={sender.dkim_public_key}" in page
    assert "_dmarc.example.ir" in page and "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.ir" in page
    assert "v=spf1" in page
    assert sender.dkim_private_key not in page  # the private key never reaches a page


def test_given_a_bad_address_then_the_form_says_so_and_nothing_is_added(admin_client):
    response = admin_client.post("/settings/senders/new/", {"from_name": "x", "from_address": "not an address"})
    assert response.status_code == 422
    assert SenderIdentity.objects.count() == 0


def test_given_a_bad_selector_then_no_key_is_made(admin_client):
    sender = _add(admin_client)
    admin_client.post(f"/settings/senders/{sender.pk}/", {"action": "dkim", "selector": "bad selector!"})
    sender.refresh_from_db()
    assert sender.dkim_private_key == ""


def test_given_an_admin_with_an_address_when_sending_a_test_then_it_arrives(admin_client, admin_user, sink):
    admin_user.email = "admin@example.org"
    admin_user.save()
    sender = _add(admin_client)
    response = admin_client.post(f"/settings/senders/{sender.pk}/", {"action": "test"}, follow=True)
    assert response.status_code == 200
    [got] = sink.received
    assert got.recipients == ["admin@example.org"] and got.message["From"].addresses[0].addr_spec == "news@example.ir"


def test_given_the_persian_interface_then_the_senders_pages_read_in_persian(admin_client):
    sender = _add(admin_client)
    admin_client.post(f"/settings/senders/{sender.pk}/", {"action": "dkim"})
    admin_client.cookies["django_language"] = "fa"
    listing = admin_client.get("/settings/senders/").content.decode()
    detail = admin_client.get(f"/settings/senders/{sender.pk}/").content.decode()
    assert "فرستنده" in listing and "Senders" not in listing.split("<main", 1)[-1]
    assert "رکوردهای DNS" in detail and 'dir="ltr"' in detail
    assert [s.pk for s in selectors.senders()] == [sender.pk]


def test_given_a_marketer_then_senders_settings_are_refused(client, marketer):
    client.force_login(marketer)
    assert client.get("/settings/senders/").status_code in (302, 403)
