"""Asynchronous delivery feedback: bounces and complaints read from the bounce mailbox
(VERP-addressed DSNs, ARF reports) and ESP tracking webhooks (django-anymail)."""
