"""Reads of saved blocks."""

from __future__ import annotations

from django.db.models import Count

from sarnakh.mail.content.blocks.models import SavedBlock, SavedBlockUse

MAX_LISTED = 500


def saved_block_list() -> list[SavedBlock]:
    return list(SavedBlock.objects.order_by("name", "id")[:MAX_LISTED])


def saved_block_get(saved_block_id: int) -> SavedBlock | None:
    return SavedBlock.objects.filter(pk=saved_block_id).first()


def saved_block_by_name(name: str) -> SavedBlock | None:
    return SavedBlock.objects.filter(name=name).order_by("id").first()


def saved_block_use_counts() -> dict[int, int]:
    """Saved block id → how many templates use it."""
    rows = SavedBlockUse.objects.values("saved_block_id").annotate(n=Count("id")).values_list("saved_block_id", "n")
    return dict(rows)
