"""Domain events of the capture app (core.events): forms and imports."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("form.submitted", label=_("Form submitted"))
@dataclass(frozen=True, kw_only=True)
class FormSubmitted(DomainEvent):
    """A valid submission was processed: `contact_id` is the contact it created or updated."""

    form: str = ""  # the form's slug
    form_name: str = ""
    submission_id: int = 0
    created: bool = False
    page_url: str = ""
    # Consent was given on a double opt-in form: it counts once confirmed from an email.
    consent_pending: bool = False


@domain_event("import.batch_written", label=_("Import batch written"))
@dataclass(frozen=True, kw_only=True)
class ImportBatchWritten(DomainEvent):
    """One committed batch of a CSV import: the contacts it created or updated. Imports
    announce their contacts a batch at a time, not one `contact.created` each."""

    import_id: int = 0
    created_ids: list = field(default_factory=list)
    updated_ids: list = field(default_factory=list)
    list_id: int | None = None  # the static list the import adds its contacts to, if any
