"""List hygiene's one table: pairs someone said are two different people, so the duplicate
finder does not offer them again. Imported by segments/models.py (the app's models module).

Contacts are referred to by id (like segment members): a dismissal outlives a deleted
contact harmlessly, and a pair whose contact was merged away is simply never found again.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class DuplicateDismissal(models.Model):
    contact_low = models.BigIntegerField()  # the lower id of the pair
    contact_high = models.BigIntegerField()
    dismissed_at = models.DateTimeField()
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        app_label = "segments"
        constraints = [
            models.UniqueConstraint(fields=["contact_low", "contact_high"], name="hygiene_dismissal_pair_unique"),
            models.CheckConstraint(condition=Q(contact_low__lt=F("contact_high")), name="hygiene_dismissal_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_low}≠{self.contact_high}"
