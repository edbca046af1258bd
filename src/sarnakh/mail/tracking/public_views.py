"""The public ends of tracked links: the click redirect `/e/c/<token>` and the open pixel
`/e/o/<token>.gif`. No login, no cookies, no CSRF (a GET or HEAD changes nothing but the
record), `Cache-Control: no-store` (a cached pixel records no open). A token that does not
verify, or names no message, answers the same plain 404 and is kept out of the request log
(its path holds the token). The redirect goes only to the URL the token signed."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sarnakh.mail.tracking import services
from sarnakh.mail.tracking.models import EmailEngagement
from sarnakh.mail.tracking.tokens import BadToken, read_click_token, read_open_token

# A transparent 1×1 GIF.
PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
         b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def _not_found() -> HttpResponse:
    response = HttpResponseNotFound(b"Not found\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # Django logs 4xx answers with their path, which holds the token
    return response


def _client(request) -> dict[str, str]:
    return {"user_agent": request.META.get("HTTP_USER_AGENT", "")[:1000], "ip": request.META.get("REMOTE_ADDR", "") or "",
            "method": request.method}


class _Redirect(HttpResponseRedirect):
    allowed_schemes = ["http", "https"]


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
def click(request, token: str):
    try:
        email_id, url = read_click_token(token)
    except BadToken:
        return _not_found()
    if services.engagement_record(kind=EmailEngagement.Kind.CLICK, email_id=email_id, url=url, **_client(request)) is None:
        return _not_found()
    response = _Redirect(url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
def pixel(request, token: str):
    try:
        email_id = read_open_token(token)
    except BadToken:
        return _not_found()
    if services.engagement_record(kind=EmailEngagement.Kind.OPEN, email_id=email_id, **_client(request)) is None:
        return _not_found()
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0"
    response["Pragma"] = "no-cache"
    response["Expires"] = "0"
    return response
