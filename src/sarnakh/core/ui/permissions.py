"""View guards: every staff page needs a login and the capability its action needs."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from sarnakh.core.roles import can


def require(capability: str):
    """login_required (redirects anonymous users to the login page) plus a role check (403)."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not can(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator


def ensure(request, capability: str) -> None:
    """For views whose sub-actions need more than the view's own capability."""
    if not can(request.user, capability):
        raise PermissionDenied
