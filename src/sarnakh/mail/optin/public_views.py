"""The public page of a double opt-in link, `/o/<token>`: GET shows what is being
confirmed and a button, POST confirms (mail scanners open links: a GET never subscribes).
No login, no cookies, `Cache-Control: no-store`, like the preference centre. A forged or
altered link gets the same page as subscriptions' (it names nothing); an expired one says
so and asks to fill in the form again. Language: ?lang, else the email's."""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sarnakh.core import clock
from sarnakh.core.proxy import client_ip
from sarnakh.mail.optin import services
from sarnakh.mail.public_pages import page_language, public_page


@csrf_exempt  # no session and no cookie: the signed token in the address is the key
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    try:
        pending = services.optin_pending_for_token(token)
    except services.OptInInvalid:
        return public_page(request, "mail/subscriptions/invalid.html", {}, page_language(request), status=404)
    language = page_language(request, pending)
    context = {"action": request.path, "switch_path": request.path, "pending": pending,
               "expired": pending.confirmed_at is None and pending.expires_at <= clock.now(),
               "done": pending.confirmed_at is not None}
    if request.method == "POST":
        try:
            services.optin_confirm(token=token, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))
        except services.OptInExpired:
            return public_page(request, "mail/optin/confirm.html", {**context, "expired": True}, language, status=410)
        except services.OptInInvalid:
            return public_page(request, "mail/subscriptions/invalid.html", {}, language, status=404)
        return public_page(request, "mail/optin/confirm.html", {**context, "done": True}, language)
    return public_page(request, "mail/optin/confirm.html", context, language, status=410 if context["expired"] else 200)
