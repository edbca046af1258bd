"""A consent waiting for its confirmation (double opt-in). Imported by mail/models.py.

A visitor ticked the consent box on a form with double opt-in: the contact is not
subscribed until the link in the confirmation email is followed. The row keeps the proof
(the consent text they saw, when and from which IP they asked, when and from which IP they
confirmed). One row per form submission: a job that runs twice finds it. Contacts are
referred to by id, like the other subscription tables."""

from django.db import models


class PendingOptIn(models.Model):
    submission_id = models.BigIntegerField(unique=True)  # capture's FormSubmission
    contact_id = models.BigIntegerField(db_index=True)
    address = models.CharField(max_length=254)  # trimmed, lower-cased: the address confirmed
    form_slug = models.CharField(max_length=80)
    form_name = models.CharField(max_length=200, blank=True, default="")
    consent_text = models.TextField(blank=True, default="")  # as the visitor saw it
    language = models.CharField(max_length=10, blank=True, default="")  # of the email and the page
    requested_at = models.DateTimeField()  # when the form was submitted
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    email_id = models.BigIntegerField(null=True, blank=True)  # the confirmation email (delivery's log row)
    send_refused = models.CharField(max_length=40, blank=True, default="")  # why not sent: a refusal or rate_limited
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_ip = models.GenericIPAddressField(null=True, blank=True)
    confirmed_user_agent = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        app_label = "mail"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["address", "created_at"], name="mail_optin_address_idx")]

    def __str__(self) -> str:
        return f"opt-in {self.contact_id} ({self.form_slug})"
