from django.conf import settings
from django.utils.translation import get_language, get_language_bidi

from sarnakh.core.roles import ROLES, can, role_of


def navigation(request):
    language = get_language() or settings.LANGUAGE_CODE
    context = {
        "page_dir": "rtl" if get_language_bidi() else "ltr",
        "page_lang": language,
        "is_persian": language.startswith("fa"),
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    role = role_of(user)
    context.update(
        {
            "user_role": role,
            "user_role_label": ROLES.get(role, ""),
            "can_manage_settings": can(user, "settings.manage"),
            "can_bulk": can(user, "contacts.bulk"),
            "can_view_mail": can(user, "mail.view"),
            "can_manage_mail": can(user, "mail.manage"),
            "can_merge": can(user, "contacts.merge"),
            "can_delete": can(user, "contacts.delete"),
            "can_edit": can(user, "contacts.edit"),
            "can_import": can(user, "imports.run"),
            "can_export": can(user, "contacts.export"),
            "can_view_tracking": can(user, "tracking.view"),
            "can_manage_tracking": can(user, "tracking.manage"),
            "can_view_scoring": can(user, "scoring.view"),
            "can_manage_scoring": can(user, "scoring.manage"),
            "can_view_segments": can(user, "segments.view"),
            "can_manage_segments": can(user, "segments.manage"),
        }
    )
    return context
