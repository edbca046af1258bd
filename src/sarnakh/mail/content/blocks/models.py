"""Saved blocks: reusable pieces of the block editor (a testimonial, a case-study card, a
footer), and which templates use each.

A template refers to a saved block by id ({"type": "saved", "id": …}); the template's HTML
is made from the saved block's current content, and re-made when the saved block changes
(services.saved_block_update). SavedBlockUse is kept by the template's writes so those
templates are found with one query, and so a saved block in use cannot be deleted.

Tables only; imported by mail/models.py so Django finds them in the `mail` app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sarnakh.mail.content.models import EmailTemplate


class SavedBlock(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # The block document's list of blocks (document.py), without saved references.
    blocks = models.JSONField(_("blocks"), default=list)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SavedBlockUse(models.Model):
    """One block template that refers to one saved block (kept by the template's writes)."""

    template = models.ForeignKey(EmailTemplate, on_delete=models.CASCADE, related_name="+")
    saved_block = models.ForeignKey(SavedBlock, on_delete=models.PROTECT, related_name="uses")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "saved_block"], name="mail_savedblockuse_unique")]

    def __str__(self) -> str:
        return f"{self.template_id} → {self.saved_block_id}"
