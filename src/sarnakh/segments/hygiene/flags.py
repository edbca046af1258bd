"""Address flags: role addresses, disposable domains, invalid addresses. Pure: no ORM.

Each flag is decided in SQL (filter_fields.py, selectors.py) and here in Python by the
same rule, so a segment condition and the hygiene page agree with `email_flags`.

- **Role address**: the local part is one of `ROLE_LOCAL_PARTS` (a mailbox of a function,
  read by whoever is on duty, not a person: info@, sales@, noreply@ …).
- **Disposable domain**: the domain is on the `disposable-email-domains` package's list
  (a maintained mirror of the community blocklist; upgrade the package to refresh it).
- **Invalid address**: the address is not shaped like one. Every address that enters
  through the contact services passes email-validator's syntax check (no DNS) in
  `core.normalize.normalize_email`, so stored addresses fail only by older or raw data;
  the rule here is the part of that check SQL can decide on stored rows: exactly one @,
  something before it, a domain with a dot after it, no spaces, no `..`, no dot at either
  end of either part.
"""

from __future__ import annotations

from disposable_email_domains import blocklist as _DISPOSABLE

ROLE = "role"
DISPOSABLE = "disposable"
INVALID = "invalid"
FLAGS = (ROLE, DISPOSABLE, INVALID)

ROLE_LOCAL_PARTS = frozenset(
    """
    abuse accounting accounts admin administrator billing careers contact contactus
    customerservice do-not-reply donotreply enquiries feedback finance hello help helpdesk
    hostmaster hr info inquiries jobs legal mail mailer-daemon marketing media newsletter
    no-reply noreply office orders postmaster press privacy recruitment reservations sales
    security service support team webmaster
    """.split()
)
DISPOSABLE_DOMAINS = frozenset(_DISPOSABLE)


def _parts(email: str) -> tuple[str, str]:
    if "@" not in (email or ""):
        return "", ""
    local, _, domain = email.lower().partition("@")  # as SQL: split at the first @
    return local, domain


def is_role_address(email: str) -> bool:
    local, _ = _parts(email)
    return local in ROLE_LOCAL_PARTS


def is_disposable(email: str) -> bool:
    local, domain = _parts(email)
    return bool(local) and domain in DISPOSABLE_DOMAINS


def is_invalid(email: str) -> bool:
    """The SQL shape rule (module docs); an empty address is no address, not an invalid one."""
    if not email:
        return False
    if email.count("@") != 1 or " " in email or ".." in email:
        return True
    local, domain = email.split("@")
    if not local or "." not in domain:
        return True
    return any(part.startswith(".") or part.endswith(".") for part in (local, domain))


def email_flags(email: str) -> list[str]:
    return [flag for flag, test in ((ROLE, is_role_address), (DISPOSABLE, is_disposable), (INVALID, is_invalid)) if test(email)]
