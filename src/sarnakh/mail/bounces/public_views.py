"""The ESP's tracking webhook: django-anymail's own view for the configured ESP (SARNAKH_ESP),
which checks the basic-auth secret (and the ESP's signature where it has one), parses the
ESP's payload and sends anymail's `tracking` signal, which bounces.subscribers hands to
the service. Any other ESP's path is 404."""

from __future__ import annotations

from functools import cache

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


@cache
def _anymail_view(esp: str):
    for pattern in anymail_urls.urlpatterns:
        if getattr(pattern, "name", "") == f"{esp}_tracking_webhook":
            return pattern.callback
    return None


@csrf_exempt
def esp_tracking(request: HttpRequest, esp: str) -> HttpResponse:
    configured = (getattr(settings, "SARNAKH_ESP", "") or "").lower()
    view = _anymail_view(esp) if configured and esp == configured else None
    if view is None:
        raise Http404("no such ESP webhook")
    return view(request)
