"""What the mail app's public pages (unsubscribe, preference centre, opt-in confirmation)
share: the page's language — asked for in `?lang`, else the visitor's own, else the
site's — and an answer in that language that no cache keeps (its address is a key)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation

LANGUAGES = ("en", "fa")


def page_language(request, owner=None) -> str:
    """`owner`: anything with a `language` (a contact, a pending opt-in), or None."""
    asked = (request.GET.get("lang") or request.POST.get("lang") or "")[:5]
    if asked in LANGUAGES:
        return asked
    own = (getattr(owner, "language", "") or "")[:2].lower()
    if own in LANGUAGES:
        return own
    current = (translation.get_language() or "en")[:2]
    return current if current in LANGUAGES else "en"


def public_page(request, template: str, context: dict, language: str, status: int = 200) -> HttpResponse:
    with translation.override(language):
        response = render(request, template, {**context, "language": language}, status=status)
    response["Cache-Control"] = "no-store"
    return response
