"""What filters can test about email (core's autodiscovery finds this module): each mail
sub-domain's fields live in its own module, imported here."""

from sarnakh.mail.subscriptions import filter_fields as subscriptions_filter_fields  # noqa: F401 - suppression, topic opt-outs
