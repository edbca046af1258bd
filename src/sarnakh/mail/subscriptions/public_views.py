"""The public pages of a marketing email's links: one-click unsubscribe `/u/<token>` (RFC
8058) and the preference centre `/p/<token>` with its resubscribe confirmation
`/p/confirm/<token>`. No login and no cookies: the signed token is the key. A GET never
changes anything (mail scanners open links); a bad token gets a page that says nothing
about why. Language: ?lang, else the contact's language, else the site's."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sarnakh.contacts import selectors as contacts
from sarnakh.core.errors import DomainError
from sarnakh.mail.public_pages import page_language, public_page
from sarnakh.mail.subscriptions import selectors, services
from sarnakh.mail.subscriptions.tokens import BadToken, LinkToken, read_token


def _invalid(request) -> HttpResponse:
    return public_page(request, "mail/subscriptions/invalid.html", {}, page_language(request), status=404)


def _read(token: str) -> LinkToken | None:
    try:
        return read_token(token)
    except BadToken:
        return None


def _contact(link: LinkToken):
    live_id, _moved = contacts.resolve_contact_id(link.contact_id)
    return contacts.contact_get(live_id) if live_id is not None else None


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def one_click(request, token: str):
    """POST (any body; mail providers send `List-Unsubscribe=One-Click`) unsubscribes from
    all marketing at once and answers 200, every time; GET asks first."""
    link = _read(token)
    if link is None:
        return _invalid(request)
    contact = _contact(link)
    language = page_language(request, contact)
    context = {
        "action": request.path, "switch_path": request.path,
        "preferences_url": reverse("subscriptions:preferences", args=[token]) + f"?lang={language}",
    }
    if request.method == "POST":
        services.unsubscribe_all(contact_id=link.contact_id, via="one_click", message_id=link.message_id)
        return public_page(request, "mail/subscriptions/unsubscribe.html", {**context, "done": True}, language)
    return public_page(request, "mail/subscriptions/unsubscribe.html", context, language)


@csrf_exempt  # no session and no cookie: the signed token in the address is the key
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token: str):
    link = _read(token)
    if link is None:
        return _invalid(request)
    contact = _contact(link)
    if contact is None:
        return _invalid(request)
    language = page_language(request, contact)
    status, error = request.GET.get("done", "")[:20], ""
    if request.method == "POST":
        chosen = {key[:50] for key in request.POST.getlist("topic")[:100]}
        try:
            with translation.override(language):
                outcome = services.preferences_save(
                    contact_id=contact.pk, subscribed=chosen, unsubscribe_everything=bool(request.POST.get("unsubscribe_all")),
                    message_id=link.message_id)
            status = outcome.status
            contact = _contact(link)
        except DomainError as exc:
            error = exc.message
    unsubscribed_all = services.is_unsubscribed_from_all(contact)
    with translation.override(language):
        statuses = selectors.contact_topic_statuses(contact.pk)
        descriptions = {t.key: t.description for t in selectors.topics()}
        # Unsubscribed from all: no box is ticked (none of them is being sent).
        topics = [{"key": s.key, "label": s.label, "subscribed": s.subscribed and not unsubscribed_all,
                   "description": descriptions.get(s.key, "")} for s in statuses]
    context = {
        "action": request.path, "switch_path": request.path, "topics": topics, "status": status, "error": error,
        "address": contact.email, "unsubscribed_all": unsubscribed_all and status != "unsubscribed_all",
    }
    return public_page(request, "mail/subscriptions/preferences.html", context, language, status=422 if error else 200)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    """GET shows a button, POST applies the pending resubscribe (a scanner opening the link
    must not sign the address up)."""
    language = page_language(request)
    # The language rides along with the button (the emailed link says it: mail/optin).
    context = {"action": f"{request.path}?lang={language}", "switch_path": request.path}
    if request.method == "POST":
        try:
            services.resubscribe_confirm(token=token)
        except services.ResubscribeInvalid:
            return public_page(request, "mail/subscriptions/confirm.html", {**context, "invalid": True}, language, status=404)
        return public_page(request, "mail/subscriptions/confirm.html", {**context, "done": True}, language)
    return public_page(request, "mail/subscriptions/confirm.html", context, language)
