"""The signed token of a confirmation link: the pending opt-in's id, signed with the
SECRET_KEY and a salt of its own (so an unsubscribe token cannot be replayed here).
Expiry is the row's `expires_at`, so an expired link can say "expired" while a forged or
altered one says nothing."""

from __future__ import annotations

from django.core import signing

SALT = "sarnakh.mail.optin"
MAX_TOKEN_LENGTH = 200


class BadToken(Exception):
    """Forged, altered or malformed."""


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep="~")


def make_token(pending_id: int) -> str:
    return _signer().sign_object(["o", int(pending_id)])


def read_token(token: str) -> int:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken
    try:
        value = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        raise BadToken from None
    if not (isinstance(value, list) and len(value) == 2 and value[0] == "o" and isinstance(value[1], int)
            and not isinstance(value[1], bool) and value[1] > 0):
        raise BadToken
    return value[1]
