"""Mail delivery (issue 14): sender identities with DKIM keys, message building, the SMTP
transport and the sent-message log with its idempotency key."""
