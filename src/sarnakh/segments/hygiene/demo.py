"""Planted list-hygiene cases for `sarnakh demo`, so the hygiene pages have something to find.

Written through contacts' services (normalised like any contact, with timeline rows).
The inactive ones are created with the clock set back, so their history says when.

- duplicates: a Gmail address with and without dots and a +tag; a Persian name typed
  with Arabic ي/ك and the same name with Persian ی/ک at one company; one mobile number
  typed two ways by two records with different emails (stored alike: contacts keep
  phones in E.164);
- inactive: contacts known for about 300 days with no activity since;
- flags: a role address and a disposable-domain address. (Invalid addresses cannot be
  planted: every address entering through the services passes the syntax check.)
"""

from __future__ import annotations

import datetime as dt

from sarnakh.contacts import selectors as contacts
from sarnakh.contacts import services as contact_services
from sarnakh.core import clock
from sarnakh.core.actor import Actor

MARKER = "sara.tehrani@gmail.com"  # present once the hygiene demo was loaded

_DUPLICATES = [
    {"first_name": "Sara", "last_name": "Tehrani", "email": MARKER, "channel": "web_form"},
    {"first_name": "Sara", "last_name": "Tehrani", "email": "saratehrani+news@googlemail.com", "channel": "email"},
    {"first_name": "علي", "last_name": "كريمي", "email": "ali.karimi@hygiene-demo.ir", "company": "Pars Hygiene Demo",
     "channel": "event", "source_type": "outbound"},
    {"first_name": "علی", "last_name": "کریمی", "email": "a.karimi@hygiene-demo.ir", "company": "Pars Hygiene Demo",
     "channel": "web_form"},
    {"first_name": "Niloofar", "last_name": "Sadeghi", "email": "niloofar.s@yahoo.com", "phone": "0912 345 6789",
     "channel": "social"},
    {"first_name": "Niloofar", "last_name": "Sadeghi", "email": "n.sadeghi@outlook.com", "phone": "+98 (912) 345-6789",
     "channel": "paid_search"},
]
_FLAGGED = [
    {"first_name": "", "last_name": "", "email": "info@hygiene-demo.ir", "company": "Pars Hygiene Demo", "channel": "list_import",
     "source_type": "outbound"},
    {"first_name": "Temp", "last_name": "User", "email": "temp.user@mailinator.com", "channel": "web_form"},
]
_INACTIVE = [
    ("Kaveh", "Bahrami", "kaveh.bahrami@example-old.ir", "list_import", "outbound"),
    ("Shirin", "Maleki", "shirin.maleki@example-old.ir", "event", "outbound"),
    ("مجید", "سلطانی", "majid.soltani@example-old.ir", "cold_email", "outbound"),
    ("Laura", "Becker", "laura.becker@example-old.de", "organic_search", "inbound"),
    ("هستی", "یزدانی", "hasti.yazdani@example-old.ir", "web_form", "inbound"),
    ("Omar", "Haddad", "omar.haddad@example-old.com", "referral", "inbound"),
]
INACTIVE_AGE_DAYS = 300
PLANTED = len(_DUPLICATES) + len(_FLAGGED) + len(_INACTIVE)  # contacts the hygiene demo adds


def load_hygiene_demo(*, seed: int = 1403) -> str:
    """Adds the planted cases once (the seed only names the call like the other loaders)."""
    if contacts.live_contact_id_by_email(MARKER) is not None:
        return "Hygiene demo skipped: already loaded."
    actor = Actor.system("demo")
    for data in [*_DUPLICATES, *_FLAGGED]:
        contact_services.contact_upsert(data=dict(data), actor=actor)
    back_then = clock.now() - dt.timedelta(days=INACTIVE_AGE_DAYS)
    with clock.frozen_at(back_then):
        for first, last, email, channel, source_type in _INACTIVE:
            contact_services.contact_upsert(data={"first_name": first, "last_name": last, "email": email,
                                                  "channel": channel, "source_type": source_type}, actor=actor)
    return (f"List hygiene demo: {len(_DUPLICATES) // 2} planted duplicate pairs, {len(_INACTIVE)} contacts inactive "
            f"for {INACTIVE_AGE_DAYS} days, {len(_FLAGGED)} flagged addresses.")
