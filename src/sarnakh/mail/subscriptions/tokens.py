"""Signed tokens in unsubscribe and preference links (django.core.signing with the
SECRET_KEY and a salt of its own): the contact id, the topic key and the message id.
Unsubscribe links never expire (a year-old newsletter must still unsubscribe); a token
that does not verify is refused without saying why."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

SALT = "sarnakh.mail.unsubscribe"
MAX_TOKEN_LENGTH = 400


@dataclass(frozen=True)
class LinkToken:
    contact_id: int
    topic: str = ""
    message_id: str = ""


class BadToken(Exception):
    """Forged, altered or malformed."""


def _signer() -> signing.Signer:
    # `~` separates: unlike `:` it is allowed in an address's local part (the mailto link).
    return signing.Signer(salt=SALT, sep="~")


def make_token(*, contact_id: int, topic: str = "", message_id: str = "") -> str:
    return _signer().sign_object([int(contact_id), topic or "", message_id or ""], compress=True)


def read_token(token: str) -> LinkToken:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken
    try:
        value = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        raise BadToken from None
    if (not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], int) or isinstance(value[0], bool)
            or not all(isinstance(v, str) for v in value[1:])):
        raise BadToken
    return LinkToken(contact_id=value[0], topic=value[1], message_id=value[2])
