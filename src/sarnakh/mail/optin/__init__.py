"""Confirmation emails: double opt-in of forms' consent and the preference centre's resubscribe."""
