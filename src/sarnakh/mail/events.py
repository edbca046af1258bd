"""The mail app's domain events, declared by its sub-domains (core autodiscovers this module)."""

from sarnakh.mail.delivery import contact_page  # noqa: F401 - the sent-email timeline kinds
from sarnakh.mail.delivery.events import EmailBounced, EmailSent  # noqa: F401
from sarnakh.mail.subscriptions.events import EmailUnsubscribed  # noqa: F401
