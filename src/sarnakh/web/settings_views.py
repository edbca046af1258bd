"""Settings: lifecycle stages, custom properties, users, API keys (admins only), and
everyone's own password.

Each page is one GET view plus POSTs named by `action`; every write goes through a
service and answers with a redirect (post/redirect/get) and a message.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sarnakh.contacts import selectors
from sarnakh.contacts import services as contact_services
from sarnakh.contacts.selectors import Funnel, ObjectType, PropertyType, StageKind
from sarnakh.core.apikeys import apikey_create, apikey_list, apikey_revoke
from sarnakh.core.errors import DomainError
from sarnakh.core.login_guard import lockout_clear, lockouts
from sarnakh.core.models import ApiKey
from sarnakh.core.roles import ROLES
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import require
from sarnakh.core.users import (
    user_create,
    user_deactivate,
    user_list,
    user_set_password,
    user_set_role,
)

NEW_KEY_SESSION = "sarnakh_new_api_key"


def _int(value) -> int:
    return int(value) if str(value or "").isdigit() else 0


def _choice_list(text: str) -> list[str]:
    """Choices typed one per line (commas also accepted)."""
    return [part.strip() for line in (text or "").splitlines() for part in line.split(",") if part.strip()]


def _run(request, action, success: str) -> bool:
    try:
        action()
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return False
    messages.success(request, success)
    return True


@require("settings.manage")
def settings_stages(request):
    if request.method == "POST":
        post = request.POST
        if post.get("action") == "create":
            _run(
                request,
                lambda: contact_services.stage_create(
                    key=post.get("key", "").strip(), name=post.get("name", ""), name_fa=post.get("name_fa", ""), funnel=post.get("funnel", Funnel.MOFU),
                    kind=post.get("kind", StageKind.FUNNEL), after=post.get("after") or None,
                ),
                _("Stage added."),
            )
        else:
            _run(
                request,
                lambda: contact_services.stage_update(
                    key=post.get("key", ""), name=post.get("name"), name_fa=post.get("name_fa"), funnel=post.get("funnel") or None
                ),
                _("Stage saved."),
            )
        return redirect("web:settings_stages")
    context = {"stages": selectors.stage_list(), "funnels": Funnel.choices, "kinds": StageKind.choices, "counts": selectors.stage_counts(), "tab": "stages"}
    return render(request, "web/settings/stages.html", context)


@require("settings.manage")
def settings_properties(request):
    if request.method == "POST":
        post = request.POST
        action = post.get("action")
        if action == "create":
            _run(
                request,
                lambda: contact_services.property_define(
                    object_type=post.get("object_type", ""), key=post.get("key", "").strip(), label=post.get("label", ""),
                    type=post.get("type", ""), choices=_choice_list(post.get("choices", "")), help_text=post.get("help_text", ""),
                ),
                _("Property defined."),
            )
        elif action == "delete":
            _run(request, lambda: contact_services.property_delete(definition_id=_int(post.get("id"))), _("Property deleted."))
        else:
            choices = _choice_list(post.get("choices", "")) if "choices" in post else None
            _run(
                request,
                lambda: contact_services.property_update(
                    definition_id=_int(post.get("id")), label=post.get("label"), choices=choices, help_text=post.get("help_text"),
                ),
                _("Property saved."),
            )
        return redirect("web:settings_properties")
    context = {
        "definitions": selectors.property_definitions(),
        "object_types": ObjectType.choices,
        "types": PropertyType.choices,
        "choice_types": (PropertyType.CHOICE, PropertyType.MULTI_CHOICE),
        "tab": "properties",
    }
    return render(request, "web/settings/properties.html", context)


@require("settings.manage")
def settings_users(request):
    if request.method == "POST":
        post = request.POST
        action = post.get("action")
        if action == "create":
            _run(
                request,
                lambda: user_create(
                    username=post.get("username", ""), password=post.get("password", ""), role=post.get("role", ""),
                    email=post.get("email", ""), first_name=post.get("first_name", ""), last_name=post.get("last_name", ""),
                ),
                _("User created."),
            )
        elif action == "deactivate":
            _run(request, lambda: user_deactivate(user_id=_int(post.get("id")), acting_user=request.user), _("User deactivated."))
        elif action == "set_password":
            _run(
                request,
                lambda: user_set_password(user_id=_int(post.get("id")), password=post.get("password", ""), acting_user=request.user),
                _("Password set. The user's open sessions have ended."),
            )
        elif action == "unlock":
            _run(
                request,
                lambda: lockout_clear(username=post.get("username", ""), ip_address=post.get("ip_address", "")),
                _("Unlocked: logging in is allowed again."),
            )
        else:
            _run(request, lambda: user_set_role(user_id=_int(post.get("id")), role=post.get("role", ""), acting_user=request.user), _("Role changed."))
        return redirect("web:settings_users")
    context = {
        "users": user_list(), "roles": list(ROLES.items()), "lockouts": lockouts(), "tab": "users",
        "login_failure_limit": settings.AXES_FAILURE_LIMIT,
        "login_cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "web/settings/users.html", context)


@login_required
def settings_password(request):
    """Anyone changes their own password: the current one, then the new one twice."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_set_password(user_id=request.user.pk, password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            form.add_error("new_password1", " ".join(error_messages(exc)))
        else:
            update_session_auth_hash(request, user)  # stay logged in here; other sessions end
            messages.success(request, _("Your password is changed."))
            return redirect("web:settings_password")
    context = {"form": form, "password_help": password_validators_help_texts(), "tab": "password"}
    return render(request, "web/settings/password.html", context)


@require("settings.manage")
def settings_apikeys(request):
    if request.method == "POST":
        post = request.POST
        if post.get("action") == "revoke":
            _run(request, lambda: apikey_revoke(key_id=_int(post.get("id"))), _("API key revoked."))
        else:
            try:
                issued = apikey_create(name=post.get("name", ""), scope=post.get("scope", ""), created_by=request.user)
            except DomainError as exc:
                messages.error(request, " ".join(error_messages(exc)))
            else:
                # Shown once on the next page, then gone: only its hash is stored.
                request.session[NEW_KEY_SESSION] = {"name": issued.api_key.name, "key": issued.raw_key}
        return redirect("web:settings_apikeys")
    context = {"keys": apikey_list(), "scopes": ApiKey.Scope.choices, "new_key": request.session.pop(NEW_KEY_SESSION, None), "tab": "apikeys"}
    return render(request, "web/settings/apikeys.html", context)
