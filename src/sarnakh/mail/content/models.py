"""Email templates: what a message says (subject, preheader, HTML body), in which language,
for which subscription topic, and whether it is marketing or transactional.

Tables only: writes live in services.py, reads in selectors.py, rendering (personalisation,
CSS inlining, the plain-text part) in render.py. Imported by mail/models.py so Django finds
it in the `mail` app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailTemplate(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        PERSIAN = "fa", _("Persian")

    class Kind(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        TRANSACTIONAL = "transactional", _("Transactional")

    name = models.CharField(_("name"), max_length=200)
    # Subject, preheader and body are template text (render.py's sandboxed language),
    # checked when saved: they compile and name only known variables.
    subject = models.CharField(_("subject"), max_length=500)
    preheader = models.CharField(_("preheader"), max_length=500, blank=True, default="")
    html = models.TextField(_("HTML body"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    # A subscription topic's key (a plain slug: the subscriptions sub-domain owns topics);
    # empty for none.
    topic = models.SlugField(_("topic"), max_length=40, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.MARKETING)
    # The block editor's document (a later step); null for a template written as HTML.
    blocks = models.JSONField(_("blocks"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
