"""A segment's members as CSV rows (contact_id, email, first_name, last_name, entered_at,
reason): `sarnakh segment export` writes them, the members page streams them. A page of
EXPORT_CHUNK members at a time, by contact id."""

from __future__ import annotations

from collections.abc import Iterator

from sarnakh.segments import selectors

HEADER = ["contact_id", "email", "first_name", "last_name", "entered_at", "reason"]
EXPORT_CHUNK = 1000


def member_rows(segment_id: int) -> Iterator[list]:
    after = None
    for _page in range(10**7):  # bounded: a page per EXPORT_CHUNK members
        rows, after = selectors.member_page(segment_id, after_contact_id=after, limit=EXPORT_CHUNK)
        people = selectors.member_details([m.contact_id for m in rows])
        for m in rows:
            person = people.get(m.contact_id, {})
            yield [m.contact_id, person.get("email", ""), person.get("first_name", ""), person.get("last_name", ""),
                   m.entered_at.isoformat(), m.reason]
        if after is None:
            break
