"""The public side of a form: receive a submission, keep it raw, judge it, queue its
processing. Also the view counter, the fill-time token, the spam score and the rate limit.

Every submission that reaches `submission_receive` is stored before the caller answers,
whatever it turns out to be (valid, invalid, spam); the valid ones get their processing
job in the same transaction (core.jobs outbox).

NUL (U+0000, which PostgreSQL refuses in text) never costs a submission: the fields are
stored as posted with U+FFFD in its place, the context loses it (engine.clean_context)
and a form field holding one gets a field error.

A submission may carry the client's idempotency key (one per submission attempt, kept
across that attempt's retries). The same key again for the same form, with the same
fields, gets the first submission's answer and stores nothing, also when two retries race.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from sarnakh.capture.forms import engine
from sarnakh.capture.forms.models import Form, FormRateWindow, FormSubmission, FormView
from sarnakh.contacts.services import clean_contact_input
from sarnakh.core import clock
from sarnakh.core.errors import DomainError, NotFound
from sarnakh.core.jobs import enqueue

logger = logging.getLogger("sarnakh.capture.forms")

TOKEN_SALT = "sarnakh.forms.fill-time"
MAX_RAW_CHARS = 20000
DEFAULT_PER_IP_PER_MINUTE = 20
DEFAULT_PER_FORM_PER_MINUTE = 1200


class RateLimited(DomainError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None = None
    user_agent: str = ""
    language: str = ""


@dataclass
class Outcome:
    submission: FormSubmission
    accepted: bool  # stored for processing (or silently as spam): answer success
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""
    redirect: str = ""


# Public posts look their form up by slug on every request; a short-lived per-process
# copy saves that query. Changes made in this process drop the copy at once; other
# processes see an edit or a deactivation within FORM_CACHE_SECONDS.
FORM_CACHE_SECONDS = 2.0
_form_cache: dict[str, tuple[float, Form]] = {}
_form_cache_lock = threading.Lock()


def forget_form(slug: str) -> None:
    with _form_cache_lock:
        _form_cache.pop(slug, None)


def active_form(slug: str, *, cached: bool = False) -> Form:
    # A NUL in the path would reach PostgreSQL as a query parameter, which it refuses.
    if not isinstance(slug, str) or "\x00" in slug:
        raise NotFound(_("Form not found."))
    now = time.monotonic()
    if cached:
        hit = _form_cache.get(slug)
        if hit is not None and now - hit[0] < FORM_CACHE_SECONDS:
            return hit[1]
    form = Form.objects.filter(slug=slug, is_active=True).first()
    if form is None:
        forget_form(slug)
        raise NotFound(_("Form not found."))
    with _form_cache_lock:
        _form_cache[slug] = (now, form)
    return form


def thank_you_text(form: Form, language: str) -> str:
    own = engine.localized(form.thank_you_message, language, form.language)
    if own:
        return own
    if form.double_opt_in:  # the visitor must know an email is on its way
        return _("Thank you! If you asked for our email, check your inbox and confirm your subscription.")
    return _("Thank you! We received your submission.")


# ---------------------------------------------------------------- views and fill-time token

def form_view_record(*, form: Form, kind: str, visitor_id: str = "") -> None:
    if not isinstance(visitor_id, str) or not engine.VISITOR_ID_RE.match(visitor_id):
        visitor_id = ""
    FormView.objects.create(form=form, kind=kind, viewed_at=clock.now(), visitor_id=visitor_id)


def fill_token(form: Form, *, issued_at=None) -> str:
    """Signed 'this form was shown at' stamp, rendered into the page as `_ts`."""
    moment = issued_at or clock.now()
    return signing.dumps({"f": form.pk, "t": round(moment.timestamp(), 3)}, salt=TOKEN_SALT, compress=False)


def fill_seconds(form: Form, token: str) -> float | None:
    """Seconds since the token was issued, or None when the token is not valid for this form."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("f") != form.pk or not isinstance(data.get("t"), int | float):
        return None
    age = clock.now().timestamp() - data["t"]
    if age > engine.MAX_TOKEN_AGE_SECONDS or age < -300:
        return None
    return age


# ---------------------------------------------------------------- rate limit

def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)


def rate_limits() -> tuple[int, int]:
    return (
        _setting("SARNAKH_FORM_RATE_PER_IP", DEFAULT_PER_IP_PER_MINUTE),
        _setting("SARNAKH_FORM_RATE_PER_FORM", DEFAULT_PER_FORM_PER_MINUTE),
    )


def count_attempt(*, form: Form, ip: str | None) -> None:
    """Counts one submission in the current minute for the client IP and the form (one
    upsert, shared by every thread and process) and raises RateLimited past a limit.

    Run it last inside the transaction that stores the submission: the counter rows stay
    locked only until that commit, and a refused submission rolls back with its count."""
    per_ip, per_form = rate_limits()
    now = clock.now().timestamp()
    minute = int(now // 60)
    table = connection.ops.quote_name(FormRateWindow._meta.db_table)
    bucket, minute_col, count = (connection.ops.quote_name(c) for c in ("bucket", "minute", "count"))
    buckets = {f"ip:{ip or 'unknown'}"[:80]: per_ip, f"form:{form.pk}": per_form}
    sql = (
        f"INSERT INTO {table} ({bucket}, {minute_col}, {count}) VALUES (%s, %s, 1), (%s, %s, 1) "
        f"ON CONFLICT ({bucket}, {minute_col}) DO UPDATE SET {count} = {table}.{count} + 1 "
        f"RETURNING {bucket}, {count}"
    )
    params = [value for name in buckets for value in (name, minute)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = dict(cursor.fetchall())
    if any(counts.get(name, 0) > limit for name, limit in buckets.items()):
        retry_after = max(1, int(60 - (now % 60)) + 1)
        raise RateLimited(_("Too many submissions; try again in %(seconds)d seconds.") % {"seconds": retry_after}, retry_after=retry_after)


def rate_windows_prune(*, keep_minutes: int = 60) -> int:
    minute = int(clock.now().timestamp() // 60)
    deleted, _details = FormRateWindow.objects.filter(minute__lt=minute - keep_minutes).delete()
    return deleted


# ---------------------------------------------------------------- raw storage

def _storable(value: Any, depth: int = 0) -> Any:
    """JSON the database accepts (PostgreSQL refuses NUL), bounded in depth and size."""
    if depth > 4:
        return None
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")[:MAX_RAW_CHARS]
    if isinstance(value, bool | int | float) or value is None:
        return value if not isinstance(value, float) or value == value else None
    if isinstance(value, list):
        return [_storable(v, depth + 1) for v in value[:200]]
    if isinstance(value, dict):
        return {str(k).replace("\x00", "\ufffd")[:200]: _storable(v, depth + 1) for k, v in list(value.items())[:200]}
    return str(value)[:MAX_RAW_CHARS]


def validate_fields(form: Form, fields: dict[str, Any], consent: bool) -> dict[str, list[str]]:
    """Per-field errors of a submission, by form field name (empty when it is valid)."""
    values, errors = engine.clean_submission_values(form.fields, fields, region=settings.SARNAKH_DEFAULT_REGION)
    if form.consent_enabled and form.consent_required and not consent:
        errors["_consent"] = [_("Tick this box to continue.")]
    if errors:
        return errors
    mapped = engine.map_to_contact(form.fields, values)
    if not engine.has_identity(mapped):
        return {engine.identity_field(form.fields): [_("Give an email, a phone or a name.")]}
    _clean, contact_errors = clean_contact_input(mapped.contact)
    return engine.errors_for_fields(contact_errors, mapped.field_of)


def _consent_given(raw: Any) -> bool:
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    return raw is True or (isinstance(raw, str) and raw.strip().lower() in ("on", "true", "1", "yes"))


def clean_idempotency_key(raw: Any) -> tuple[str, str]:
    """(key, error): an empty key when none was given or it is not usable."""
    if raw in (None, ""):
        return "", ""
    if isinstance(raw, str) and engine.IDEMPOTENCY_KEY_RE.match(raw):
        return raw, ""
    return "", _("Use 1–64 letters, digits or _ . : - for the idempotency key.")


def _first_with_key(form: Form, key: str) -> FormSubmission | None:
    return FormSubmission.objects.filter(form=form, idempotency_key=key).first() if key else None


def _same_payload(first: FormSubmission, again: FormSubmission) -> bool:
    # Both went through the same storing rules, so a true retry compares equal.
    return (first.fields, first.raw_body, first.consent_given) == (again.fields, again.raw_body, again.consent_given)


def _key_reused() -> str:
    return _("This idempotency key was already used for a submission with other values; make a new key for each submission.")


def _answer(form: Form, submission: FormSubmission, language: str) -> Outcome:
    """The answer a stored submission gets; a repeat of it gets the same."""
    accepted = submission.status != FormSubmission.Status.INVALID
    return Outcome(
        submission=submission, accepted=accepted, errors=submission.errors if not accepted else {},
        message=thank_you_text(form, language) if accepted else _("Please correct the marked fields."),
        redirect=form.redirect_url if accepted else "",
    )


def _key_refused(submission: FormSubmission, message: str) -> None:
    """The key is unusable (malformed, or the first submission with it had other fields):
    the submission is still stored, without the key, and answered 422 naming it. Spam keeps
    its silent success and a failed validation its retry."""
    submission.idempotency_key = ""
    if submission.status in (FormSubmission.Status.RECEIVED, FormSubmission.Status.INVALID):
        submission.status = FormSubmission.Status.INVALID
        submission.errors = {**submission.errors, "idempotency_key": [message]}


def spam_threshold() -> int:
    return max(1, min(100, _setting("SARNAKH_FORM_SPAM_THRESHOLD", engine.SPAM_THRESHOLD)))


def _repeats(form: Form, submission: FormSubmission) -> int:
    """Earlier submissions of the same values to this form from the same address, lately."""
    if not submission.ip:
        return 0
    since = submission.received_at - dt.timedelta(seconds=engine.REPEAT_WINDOW_SECONDS)
    # Bounded: the rate limit keeps one address to a few dozen rows a minute anyway.
    recent = FormSubmission.objects.filter(form=form, received_at__gte=since, ip=submission.ip).order_by("-id")
    return sum(1 for fields in recent.values_list("fields", flat=True)[:50] if fields == submission.fields)


def _assess(form: Form, submission: FormSubmission, *, fields: dict[str, Any], token: Any, honeypot: Any) -> engine.SpamAssessment:
    token_given = token not in (None, "")
    seconds = fill_seconds(form, token) if isinstance(token, str) and token_given else None
    return engine.spam_assessment(
        honeypot=honeypot, fill_seconds=seconds, token_given=token_given, token_valid=seconds is not None,
        fields=fields, repeats=_repeats(form, submission),
        min_seconds=float(getattr(settings, "SARNAKH_FORM_MIN_FILL_SECONDS", engine.MIN_FILL_SECONDS)),
        threshold=spam_threshold(),
    )


def _judge(form: Form, submission: FormSubmission, *, fields: Any, token: Any, honeypot: Any, parse_error: str) -> None:
    """Sets the status, spam score and per-field errors of a submission not stored yet.

    Only a spam score at or over the threshold holds a submission as spam (answered like
    a success, not processed until staff release it); below it, the score and its signals
    are kept on the submission and it goes on as any other."""
    errors: dict[str, list[str]] = {}
    try:
        if parse_error:
            errors = {"__all__": [parse_error]}
        elif not isinstance(fields, dict):
            errors = {"fields": [_("Send the fields as an object of name: value.")]}
        else:
            assessment = _assess(form, submission, fields=fields, token=token, honeypot=honeypot)
            submission.spam_score, submission.spam_signals = assessment.score, assessment.signals_json()
            if assessment.held:
                submission.status, submission.spam_reason = FormSubmission.Status.SPAM, assessment.reason
            else:
                errors = validate_fields(form, fields, submission.consent_given)
        if not submission.status:
            submission.status = FormSubmission.Status.INVALID if errors else FormSubmission.Status.RECEIVED
    except Exception as exc:  # a bug or an outage in validation must not lose the submission
        logger.exception("form %s: validating a submission failed; stored for retry", form.slug)
        submission.status, submission.error, errors = FormSubmission.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000], {}
    submission.errors = errors


def _store(form: Form, submission: FormSubmission, ip: str | None) -> None:
    """One transaction: the raw row, its processing job (outbox) and the rate-limit count.
    Past a limit nothing is stored (RateLimited). The savepoint lets a caller that lost
    an idempotency-key race go on in the same connection."""
    from sarnakh.capture.forms import tasks

    with transaction.atomic():
        submission.save()
        if submission.status == FormSubmission.Status.RECEIVED:
            enqueue(tasks.process_form_submission, submission.pk)
        count_attempt(form=form, ip=ip)


def submission_receive(
    *,
    form: Form,
    fields: Any,
    context: Any,
    meta: RequestMeta,
    via: str = FormSubmission.Via.API,
    token: Any = None,
    honeypot: Any = None,
    consent: Any = None,
    parse_error: str = "",
    raw_body: str = "",
    idempotency_key: Any = None,
) -> Outcome:
    """Stores the submission (whatever it is) and queues the valid ones; see the module doc.

    Raises RateLimited (nothing stored) when the client or the form is over its limit; a
    repeat of a stored submission is answered before the limit is counted again."""
    now = clock.now()
    language = meta.language or form.language or ""
    given = _consent_given(consent) if form.consent_enabled else False
    clean_context = engine.clean_context(context)
    submission = FormSubmission(
        form=form, via=via, fields=_storable(fields if isinstance(fields, dict) else {}), context=clean_context,
        visitor_id=clean_context.get("visitor_id", ""), language=language[:10], ip=meta.ip,
        user_agent=(meta.user_agent or "").replace("\x00", "")[:500], received_at=now, consent_given=given,
        consent_text=engine.localized(form.consent_text, language, form.language) if given else "",
    )
    if parse_error:
        submission.raw_body = raw_body.replace("\x00", "\ufffd")[:MAX_RAW_CHARS]
    elif not isinstance(fields, dict):
        submission.raw_body = _storable(repr(fields))
    key, key_error = clean_idempotency_key(idempotency_key)
    first = _first_with_key(form, key)
    if first is not None and _same_payload(first, submission):
        return _answer(form, first, language)
    if first is not None:
        key_error = _key_reused()
    _judge(form, submission, fields=fields, token=token, honeypot=honeypot, parse_error=parse_error)
    if key_error:
        _key_refused(submission, key_error)
    else:
        submission.idempotency_key = key
    try:
        _store(form, submission, meta.ip)
    except IntegrityError:
        # Another request with the same key was stored meanwhile: a racing retry.
        first = _first_with_key(form, submission.idempotency_key)
        if first is None:
            raise
        if _same_payload(first, submission):
            return _answer(form, first, language)
        _key_refused(submission, _key_reused())
        _store(form, submission, meta.ip)
    return _answer(form, submission, language)
