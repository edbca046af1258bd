"""Why a campaign's recipient was left out, or why it waits: the stored keys
(CampaignRecipient.reason) and their translated labels for the screens and the report.

Exclusions are final (the row is `excluded`); deferrals are not (the row stays `pending`
with a later `not_before`, and `deferrals` counts how often it was put back)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sarnakh.mail.subscriptions import rules

# ---- excluded (when the audience is frozen, or by the gate at send time)
NO_ADDRESS = rules.NO_ADDRESS  # the contact has no email address
HARD_BOUNCE = "hard_bounce"  # suppressed: an earlier hard bounce
COMPLAINT = "complaint"  # suppressed: marked an email as spam
INVALID = "invalid"  # suppressed: the address is not deliverable
UNSUBSCRIBED_ALL = "unsubscribed_all"  # unsubscribed from all marketing email
MANUAL = "manual"  # suppressed by hand
TOPIC_OPT_OUT = rules.TOPIC_OPT_OUT  # unsubscribed from the campaign's topic
NO_CONSENT = rules.NO_CONSENT  # never agreed (and legitimate interest is off)
NO_CONTACT = "no_contact"  # the contact was deleted or merged away before sending
BOUNCED = "bounced"  # the server refused the address (5xx) while sending
FAILED = "failed"  # temporary failures until the attempts ran out
RENDER_ERROR = "render_error"  # the template could not be rendered for this contact

EXCLUDED = (NO_ADDRESS, HARD_BOUNCE, COMPLAINT, INVALID, UNSUBSCRIBED_ALL, MANUAL, TOPIC_OPT_OUT, NO_CONSENT, NO_CONTACT,
            RENDER_ERROR)

# ---- deferred (the recipient waits; never dropped)
FREQUENCY_CAP = "frequency_cap"  # had the most marketing email allowed in the period
QUIET_HOURS = "quiet_hours"  # night in the contact's time zone
WINDOW = "window"  # outside the campaign's daily send window
LOCAL_TIME = "local_time"  # waits for the scheduled time in the contact's time zone
RATE_LIMIT = "rate_limit"  # the recipient's domain had its share this second
RETRY = "retry"  # a temporary failure (4xx, connection): tried again after a pause

DEFERRED = (FREQUENCY_CAP, QUIET_HOURS, WINDOW, LOCAL_TIME, RATE_LIMIT, RETRY)

# Groups the review shows (the words): suppressed, no consent, unsubscribed from the
# topic, hard-bounced or complained, no email.
SUPPRESSED = (INVALID, UNSUBSCRIBED_ALL, MANUAL)
BOUNCED_OR_COMPLAINED = (HARD_BOUNCE, COMPLAINT)

LABELS = {
    NO_ADDRESS: _("No email address"),
    HARD_BOUNCE: _("Hard-bounced before"),
    COMPLAINT: _("Complained (marked as spam)"),
    INVALID: _("Undeliverable address"),
    UNSUBSCRIBED_ALL: _("Unsubscribed from all marketing email"),
    MANUAL: _("Suppressed by hand"),
    TOPIC_OPT_OUT: _("Unsubscribed from this topic"),
    NO_CONSENT: _("No consent"),
    NO_CONTACT: _("Contact deleted or merged"),
    BOUNCED: _("Bounced while sending"),
    FAILED: _("Failed after retries"),
    RENDER_ERROR: _("The template could not be rendered"),
    FREQUENCY_CAP: _("Frequency cap reached"),
    QUIET_HOURS: _("Quiet hours in the contact's time zone"),
    WINDOW: _("Outside the send window"),
    LOCAL_TIME: _("Waiting for the contact's local time"),
    RATE_LIMIT: _("Sending rate limit"),
    RETRY: _("Temporary failure, will retry"),
}


def label(reason: str) -> str:
    """The translated label of a reason key (the key itself when unknown)."""
    return str(LABELS.get(reason, reason))
