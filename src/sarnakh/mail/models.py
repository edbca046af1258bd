"""Email (issue 14): senders, templates, sending, tracking, unsubscribe and suppression,
bounces, broadcasts. Each sub-domain keeps its tables in its own `models` module; they are
imported here so Django finds them in the app's models module."""

from sarnakh.mail.bounces.models import Bounce, FeedbackReceipt  # noqa: F401 - bounces and complaints
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient  # noqa: F401 - broadcast campaigns
from sarnakh.mail.content.blocks.models import SavedBlock, SavedBlockUse  # noqa: F401 - the block editor's saved blocks
from sarnakh.mail.content.models import EmailTemplate  # noqa: F401 - email templates
from sarnakh.mail.delivery.models import OutboundEmail, SenderIdentity  # noqa: F401
from sarnakh.mail.optin.models import PendingOptIn  # noqa: F401 - double opt-in awaiting confirmation
from sarnakh.mail.subscriptions.models import (  # noqa: F401
    ResubscribeRequest,
    SubscriptionTopic,
    Suppression,
    SuppressionRemoval,
    TopicOptOut,
)
from sarnakh.mail.tracking.models import EmailEngagement  # noqa: F401 - opens and clicks
