"""The mail app's domain events, declared by its sub-domains (core autodiscovers this module)."""

from sarnakh.mail.bounces import contact_page as _bounce_kinds  # noqa: F401 - soft bounce and complaint timeline kinds
from sarnakh.mail.bounces.events import EmailComplained, EmailDelivered  # noqa: F401
from sarnakh.mail.delivery import contact_page  # noqa: F401 - the sent-email timeline kinds
from sarnakh.mail.delivery.events import EmailBounced, EmailSent  # noqa: F401
from sarnakh.mail.optin import contact_page as optin_contact_page  # noqa: F401 - the opt-in timeline kind
from sarnakh.mail.subscriptions.events import EmailResubscribeRequested, EmailUnsubscribed  # noqa: F401
from sarnakh.mail.tracking import contact_page as tracking_contact_page  # noqa: F401 - opened and clicked timeline kinds
from sarnakh.mail.tracking.events import EmailClicked, EmailOpened  # noqa: F401
