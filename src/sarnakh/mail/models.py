"""Email (issue 14): senders, templates, sending, tracking, unsubscribe and suppression,
bounces, broadcasts. Each sub-domain keeps its tables in its own `models` module; they are
imported here so Django finds them in the app's models module."""

from sarnakh.mail.content.blocks.models import SavedBlock, SavedBlockUse  # noqa: F401 - the block editor's saved blocks
from sarnakh.mail.content.models import EmailTemplate  # noqa: F401 - email templates
from sarnakh.mail.delivery.models import OutboundEmail, SenderIdentity  # noqa: F401
from sarnakh.mail.subscriptions.models import (  # noqa: F401
    ResubscribeRequest,
    SubscriptionTopic,
    Suppression,
    SuppressionRemoval,
    TopicOptOut,
)
