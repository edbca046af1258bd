"""What an upsert may change on an existing contact. Shared by the API/forms path
(contacts.services) and the batch importer (contacts.bulk.upsert), so both engines keep
the same first touch and never erase with empty input. No ORM queries."""

from __future__ import annotations

from typing import Any

from sarnakh.contacts.contact_input import FIRST_TOUCH_FIELDS

FIRST_TOUCH_SOURCE = ("source_type", "channel")


def keep_first_touch(contact, values: dict[str, Any]) -> list[str]:
    """First touch wins: a returning lead never rewrites how they first came.

    Source type and channel are kept as they are. The first-touch detail (UTM, referrer,
    landing page) is one visit, so it is taken whole only while the contact has none;
    mixing two visits' parameters would describe a visit that never happened. Removes
    the kept fields from `values` and returns the names whose different value was ignored.
    """
    has_detail = any(getattr(contact, name) for name in FIRST_TOUCH_FIELDS)
    kept = (*FIRST_TOUCH_SOURCE, *FIRST_TOUCH_FIELDS) if has_detail else FIRST_TOUCH_SOURCE
    ignored = []
    for name in kept:
        if name in values and values.pop(name) not in ("", getattr(contact, name)):
            ignored.append(name)
    return ignored


def drop_empty(values: dict[str, Any]) -> None:
    """An upsert only ever fills or replaces with a value; empty input never erases."""
    for name in [n for n, v in values.items() if v in ("", None)]:
        values.pop(name)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def creation_snapshot(contact, clean) -> dict[str, Any]:
    """The fields a new contact was created with, for its `created` timeline row; keys
    are the API's field names (`owner`, not `owner_id`)."""
    snapshot = {k.removesuffix("_id"): _jsonable(v) for k, v in clean.values.items() if v not in ("", None)}
    if contact.company is not None:
        snapshot["company"] = contact.company.name
    if clean.tags:
        snapshot["tags"] = clean.tags
    if contact.properties:
        snapshot["properties"] = contact.properties
    return snapshot
