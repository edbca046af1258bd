"""Roles and what each may do. Checked by every view and API call.

A role is a Django group named after it; superusers are admins.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
MARKETING = "marketing"
SALES = "sales"
ROLES = {ADMIN: _("Admin"), MARKETING: _("Marketing"), SALES: _("Sales")}

# capability -> roles that have it
CAPABILITIES: dict[str, frozenset[str]] = {
    "contacts.view": frozenset({ADMIN, MARKETING, SALES}),
    "contacts.edit": frozenset({ADMIN, MARKETING, SALES}),
    "contacts.delete": frozenset({ADMIN, MARKETING}),
    "contacts.bulk": frozenset({ADMIN, MARKETING}),
    "contacts.merge": frozenset({ADMIN, MARKETING}),
    "settings.manage": frozenset({ADMIN}),
    "imports.run": frozenset({ADMIN, MARKETING}),
    "contacts.export": frozenset({ADMIN, MARKETING, SALES}),
    "forms.manage": frozenset({ADMIN, MARKETING}),
    "forms.view": frozenset({ADMIN, MARKETING, SALES}),
    "tracking.view": frozenset({ADMIN, MARKETING, SALES}),
    "tracking.manage": frozenset({ADMIN, MARKETING}),
    "scoring.view": frozenset({ADMIN, MARKETING, SALES}),
    "scoring.manage": frozenset({ADMIN, MARKETING}),
    "segments.view": frozenset({ADMIN, MARKETING, SALES}),
    "segments.manage": frozenset({ADMIN, MARKETING}),
    "audiences.manage": frozenset({ADMIN, MARKETING}),  # retargeting audiences: hashed contact files for ad platforms
    "mail.view": frozenset({ADMIN, MARKETING, SALES}),  # read campaigns, reports, templates
    "mail.manage": frozenset({ADMIN, MARKETING}),  # write templates, send campaigns, manage suppression
}


def role_of(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    names = {group.name for group in user.groups.all()}
    for role in (ADMIN, MARKETING, SALES):
        if role in names:
            return role
    return None


def can(user, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    role = role_of(user)
    return role is not None and role in CAPABILITIES[capability]


def set_role(user, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    user.groups.remove(*[g for name, g in groups.items() if name != role])
    user.groups.add(groups[role])
