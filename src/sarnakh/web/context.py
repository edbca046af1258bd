from sarnakh.core.roles import can, role_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_role": role_of(user),
        "can_manage_settings": can(user, "settings.manage"),
    }
