"""Template helpers for rendering public forms."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def is_checked(value) -> bool:
    if isinstance(value, list):
        value = value[0] if value else ""
    return value is True or (isinstance(value, str) and value.lower() in ("on", "true", "1", "yes"))


@register.filter
def in_values(choice, values) -> bool:
    if isinstance(values, list):
        return choice in values
    return choice == values
