"""Staff users: create, change role, set password, deactivate (writes), and the lists the UI shows.

A role is a Django group (core.roles). Nobody can lock themselves out: an admin cannot
demote or deactivate their own account.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.roles import ADMIN, ROLES, role_of, set_role

log = logging.getLogger(__name__)


def _role_errors(role: str) -> dict[str, list[str]]:
    if role not in ROLES:
        return {"role": [_("Use one of: %(values)s.") % {"values": ", ".join(ROLES)}]}
    return {}


@transaction.atomic
def user_create(*, username: str, password: str, role: str, email: str = "", first_name: str = "", last_name: str = ""):
    User = get_user_model()
    username = (username or "").strip()
    errors = _role_errors(role)
    if not username or len(username) > 150:
        errors["username"] = [_("Give a username of at most 150 characters.")]
    elif User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("A user with this username exists."), fields={"username": [_("Already used.")]})
    try:
        validate_password(password or "")
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if not password:
        errors["password"] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    user = User.objects.create_user(
        username=username, password=password, email=(email or "").strip(),
        first_name=(first_name or "").strip()[:150], last_name=(last_name or "").strip()[:150],
    )
    set_role(user, role)
    return user


def _other_user(user_id: int, acting_user, message: str):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("User not found."))
    if acting_user is not None and user.pk == acting_user.pk:
        raise ValidationFailed(message, fields={"user": [message]})
    return user


@transaction.atomic
def user_set_role(*, user_id: int, role: str, acting_user=None):
    errors = _role_errors(role)
    if errors:
        raise ValidationFailed(_("Unknown role."), fields=errors)
    user = _other_user(user_id, acting_user, _("You cannot change your own role."))
    set_role(user, role)
    if user.is_superuser and role != ADMIN:
        # A superuser is always an admin (core.roles); demoting means dropping that flag.
        user.is_superuser = False
        user.is_staff = False
        user.save(update_fields=["is_superuser", "is_staff"])
    return user


def initial_admin_file() -> Path:
    """Where `sarnakh init` keeps the first admin's generated password ("username password")
    so `init` and `serve` can print it until it is changed."""
    return settings.SARNAKH_HOME / "initial-admin.txt"


def initial_admin_file_forget(*, username: str) -> bool:
    """Deletes the initial password file if it belongs to `username`; True if it did."""
    path = initial_admin_file()
    try:
        owner = path.read_text().strip().partition(" ")[0]
    except FileNotFoundError:
        return False
    if owner != username:
        return False
    path.unlink(missing_ok=True)
    log.info("Initial admin password of %s changed; %s deleted.", username, path)
    return True


@transaction.atomic
def user_set_password(*, user_id: int, password: str, acting_user=None):
    """A new password, checked by the password validators. The user's other sessions end
    (Django ties sessions to the password hash); the caller keeps its own with
    update_session_auth_hash. `acting_user`, if given, must not be the user: changing one's
    own password goes through the form that asks for the current one."""
    if acting_user is not None:
        user = _other_user(user_id, acting_user, _("Change your own password on the password page."))
    else:
        user = get_user_model().objects.filter(pk=user_id).first()
        if user is None:
            raise NotFound(_("User not found."))
    if not password:
        raise ValidationFailed(_("Some fields are not valid."), fields={"password": [_("This field is required.")]})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(_("Some fields are not valid."), fields={"password": list(exc.messages)}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    username = user.get_username()
    transaction.on_commit(lambda: initial_admin_file_forget(username=username))
    return user


@transaction.atomic
def user_deactivate(*, user_id: int, acting_user=None):
    user = _other_user(user_id, acting_user, _("You cannot deactivate your own account."))
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


def user_list():
    """All users with their role attached as `.role` (admin/marketing/sales or None)."""
    users = list(get_user_model().objects.prefetch_related("groups").order_by("-is_active", "username"))
    for user in users:
        user.role = role_of(user) if user.is_active else _inactive_role(user)
    return users


def _inactive_role(user):
    names = {g.name for g in user.groups.all()}
    return ADMIN if user.is_superuser else next((r for r in ROLES if r in names), None)


def assignable_users():
    """Active users with a role: who can own contacts."""
    return [u for u in get_user_model().objects.filter(is_active=True).prefetch_related("groups").order_by("first_name", "username") if role_of(u)]
