"""API keys: generated once, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.core import clock
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.models import ApiKey

KEY_PREFIX = "snk_"


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    raw_key: str


@transaction.atomic
def apikey_create(*, name: str, scope: str = ApiKey.Scope.READ, created_by=None) -> IssuedKey:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Name is required."), fields={"name": [_("This field is required.")]})
    if scope not in ApiKey.Scope.values:
        raise ValidationFailed(
            _("Unknown scope."), fields={"scope": [_("Use one of: %(values)s.") % {"values": ", ".join(ApiKey.Scope.values)}]}
        )
    secret = secrets.token_urlsafe(32)
    raw_key = f"{KEY_PREFIX}{secret}"
    api_key = ApiKey.objects.create(
        name=name[:120],
        prefix=secret[:8],
        key_hash=_hash(raw_key),
        scope=scope,
        created_by=created_by,
        created_at=clock.now(),
    )
    return IssuedKey(api_key=api_key, raw_key=raw_key)


def apikey_revoke(*, key_id: int) -> ApiKey:
    api_key = ApiKey.objects.filter(pk=key_id).first()
    if api_key is None:
        raise NotFound(_("API key not found."))
    if api_key.revoked_at is None:
        api_key.revoked_at = clock.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def apikey_authenticate(raw_key: str) -> ApiKey | None:
    if not raw_key or not raw_key.startswith(KEY_PREFIX):
        return None
    api_key = ApiKey.objects.filter(key_hash=_hash(raw_key), revoked_at__isnull=True).first()
    if api_key is None:
        return None
    moment = clock.now()
    # Touch at most once a minute so reads don't turn into a write per request.
    if api_key.last_used_at is None or (moment - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=moment)
    return api_key


def apikey_list():
    return ApiKey.objects.select_related("created_by").all()
