"""Subscriptions (issue 14): subscription topics, per-topic opt-outs, the suppression list,
the lawful-basis rules every marketing path asks, signed unsubscribe links, the one-click
endpoint (RFC 8058) and the public preference centre. docs/email-subscriptions.md."""
