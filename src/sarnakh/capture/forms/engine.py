"""Forms without the database: field definitions, submitted values, context, spam checks.

Pure: no ORM. Callers pass in what the database knows (the custom property keys), so the
same judgement runs in the API, the form builder and the public submission path.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sarnakh.core.normalize import (
    InvalidEmail,
    InvalidPhone,
    clean_display_text,
    normalize_digits,
    normalize_email,
    normalize_phone,
)
from sarnakh.core.urls import UTM_KEYS, utm_from_url  # noqa: F401 - UTM_KEYS is part of this module's interface

FIELD_TYPES = ("text", "email", "phone", "number", "choice", "multi_choice", "checkbox", "textarea", "hidden")
# What people read for each type (the builder, errors); the keys stay in the API.
FIELD_TYPE_LABELS = {
    "text": gettext_noop("Short text"),
    "email": gettext_noop("Email"),
    "phone": gettext_noop("Phone"),
    "number": gettext_noop("Number"),
    "choice": gettext_noop("One choice"),
    "multi_choice": gettext_noop("Several choices"),
    "checkbox": gettext_noop("Checkbox"),
    "textarea": gettext_noop("Long text"),
    "hidden": gettext_noop("Hidden"),
}
LANGUAGES = ("en", "fa")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_FIELDS = 50
MAX_CHOICES = 200
DEFAULT_MAX_LENGTH = {"textarea": 5000}
TEXT_MAX_LENGTH = 500
HARD_MAX_LENGTH = 10000
LABEL_MAX = 300
HELP_MAX = 1000

# What a field may fill on the contact. "company" and "company.name" both name the company.
CONTACT_TARGETS = ("email", "phone", "first_name", "last_name", "job_title", "city", "country", "language", "company")
COMPANY_TARGETS = ("name", "domain", "industry", "employee_band", "revenue_band", "country")
IDENTITY_TARGETS = ("email", "phone", "first_name", "last_name")
COMPANY_PREFIX = "company."

CONTEXT_LIMITS = {"page_url": 2000, "referrer": 2000}
VISITOR_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
IDEMPOTENCY_KEY_RE = VISITOR_ID_RE  # a UUID fits; so does anything a client may log or echo safely
RESERVED_NAMES = frozenset(
    {"_hp", "_ts", "_visitor_id", "_page_url", "_referrer", "_consent", "_lang", "_idempotency_key", "csrfmiddlewaretoken"}
)
# Control characters other than tab, newline and carriage return. PostgreSQL refuses NUL
# in text outright; the others only ever come from broken or hostile clients.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---------------------------------------------------------------- per-language text

def localized(value: Any, language: str, fallback: str = "") -> str:
    """A text given as a plain string or as {"en": ..., "fa": ...}, in `language`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in (language, (language or "")[:2], fallback, "en", *sorted(value)):
            text = value.get(key)
            if isinstance(text, str) and text:
                return text
    return ""


def clean_localized(value: Any, *, limit: int, required: bool, path: str, errors: dict[str, list[str]]) -> Any:
    if value is None or value == "":
        if required:
            errors.setdefault(path, []).append(_("This field is required."))
        return {} if value is None else ""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > limit:
            errors.setdefault(path, []).append(_("Keep this under %(max)d characters.") % {"max": limit})
        return text
    if isinstance(value, dict):
        out = {}
        for language, text in value.items():
            if language not in LANGUAGES:
                errors.setdefault(path, []).append(_("Use the language codes: %(codes)s.") % {"codes": ", ".join(LANGUAGES)})
                continue
            if text is None:
                continue
            if not isinstance(text, str):
                errors.setdefault(path, []).append(_("Enter text."))
                continue
            if len(text.strip()) > limit:
                errors.setdefault(path, []).append(_("Keep this under %(max)d characters.") % {"max": limit})
            if text.strip():
                out[language] = text.strip()
        if required and not out:
            errors.setdefault(path, []).append(_("This field is required."))
        return out
    errors.setdefault(path, []).append(_("Give a text, or an object with a text per language (en, fa)."))
    return ""


# ---------------------------------------------------------------- definitions

@dataclass(frozen=True)
class KnownProperties:
    """Custom property keys and their types, per object: what a field may map to."""

    contact: dict[str, str] = field(default_factory=dict)  # key -> property type
    company: dict[str, str] = field(default_factory=dict)


def property_type(target: str, known: KnownProperties) -> str | None:
    """'core' for a built-in field, the custom property's type, or None when unknown."""
    if target in CONTACT_TARGETS:
        return "core"
    if target.startswith(COMPANY_PREFIX):
        rest = target.removeprefix(COMPANY_PREFIX)
        if rest in COMPANY_TARGETS:
            return "core"
        return known.company.get(rest)
    return known.contact.get(target)


def is_identity_target(target: str) -> bool:
    return target in IDENTITY_TARGETS


def _clean_choices(value: Any, path: str, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        errors.setdefault(path, []).append(_("Give at least one choice."))
        return []
    if len(value) > MAX_CHOICES:
        errors.setdefault(path, []).append(_("At most %(max)d choices.") % {"max": MAX_CHOICES})
    out, seen = [], set()
    for item in value:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            choice = {"value": str(item).strip(), "label": str(item).strip()}
        elif isinstance(item, dict) and isinstance(item.get("value"), str):
            label = clean_localized(item.get("label") or item["value"], limit=LABEL_MAX, required=False, path=path, errors=errors)
            choice = {"value": item["value"].strip(), "label": label or item["value"].strip()}
        else:
            errors.setdefault(path, []).append(_("Each choice is a text or {\"value\": ..., \"label\": ...}."))
            continue
        if not choice["value"] or len(choice["value"]) > 200:
            errors.setdefault(path, []).append(_("Each choice needs a value of at most 200 characters."))
            continue
        if choice["value"] in seen:
            errors.setdefault(path, []).append(_("Choice %(value)s is listed twice.") % {"value": choice["value"]})
            continue
        seen.add(choice["value"])
        out.append(choice)
    return out


def clean_field_definitions(value: Any, known: KnownProperties) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Checks a form's field list; returns it normalised and the errors by path (fields.2.type)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(value, list):
        return [], {"fields": [_("Send the fields as a list.")]}
    if not value:
        return [], {"fields": [_("A form needs at least one field.")]}
    if len(value) > MAX_FIELDS:
        errors.setdefault("fields", []).append(_("At most %(max)d fields.") % {"max": MAX_FIELDS})
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    targets: dict[str, str] = {}
    allowed_keys = {"name", "label", "help_text", "type", "required", "property", "choices", "max_length", "value", "placeholder"}
    for index, item in enumerate(value):
        path = f"fields.{index}"
        if not isinstance(item, dict):
            errors.setdefault(path, []).append(_("Each field is an object."))
            continue
        for key in item:
            if key not in allowed_keys:
                errors.setdefault(f"{path}.{key}", []).append(_("Unknown key."))
        name = item.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name) or name in RESERVED_NAMES:
            errors.setdefault(f"{path}.name", []).append(
                _("Use lower-case letters, digits and _ (starting with a letter, at most 50).")
            )
        elif name in names:
            errors.setdefault(f"{path}.name", []).append(_("Another field already has the name %(name)s.") % {"name": name})
        else:
            names.add(name)
        kind = item.get("type", "text")
        if kind not in FIELD_TYPES:
            errors.setdefault(f"{path}.type", []).append(_("Unknown type. Use one of: %(types)s.") % {"types": ", ".join(FIELD_TYPES)})
            kind = "text"
        required = item.get("required", False)
        if not isinstance(required, bool):
            errors.setdefault(f"{path}.required", []).append(_("Use true or false."))
            required = False
        definition: dict[str, Any] = {
            "name": name if isinstance(name, str) else "",
            "type": kind,
            "required": required,
            "label": clean_localized(item.get("label"), limit=LABEL_MAX, required=kind != "hidden", path=f"{path}.label", errors=errors),
            "help_text": clean_localized(item.get("help_text"), limit=HELP_MAX, required=False, path=f"{path}.help_text", errors=errors),
            "property": "",
        }
        if item.get("placeholder"):
            definition["placeholder"] = clean_localized(item["placeholder"], limit=LABEL_MAX, required=False, path=f"{path}.placeholder", errors=errors)
        target = item.get("property") or ""
        if not isinstance(target, str):
            errors.setdefault(f"{path}.property", []).append(_("Give a property key as text."))
            target = ""
        target = target.strip()
        if target == "company.name":
            target = "company"
        if target:
            ptype = property_type(target, known)
            if ptype is None:
                errors.setdefault(f"{path}.property", []).append(
                    _("Unknown property %(key)s. Use a contact field, company.<field> or a custom property key.") % {"key": target}
                )
            elif target in targets:
                errors.setdefault(f"{path}.property", []).append(
                    _("Field %(other)s already fills %(key)s.") % {"other": targets[target], "key": target}
                )
            elif kind == "multi_choice" and ptype != "multi_choice":
                errors.setdefault(f"{path}.property", []).append(_("A multi-choice field can only fill a multiple-choice custom property."))
            elif ptype == "multi_choice" and kind != "multi_choice":
                errors.setdefault(f"{path}.property", []).append(_("This property takes several values; make the field a list where visitors pick several (type multi_choice)."))
            elif kind == "checkbox" and ptype not in ("boolean", "text"):
                errors.setdefault(f"{path}.property", []).append(_("A checkbox can only fill a yes/no custom property."))
            else:
                targets[target] = definition["name"]
        definition["property"] = target
        if kind in ("choice", "multi_choice"):
            definition["choices"] = _clean_choices(item.get("choices"), f"{path}.choices", errors)
        elif item.get("choices"):
            errors.setdefault(f"{path}.choices", []).append(_("Only list fields (types choice and multi_choice) have choices."))
        if kind in ("text", "textarea", "email", "phone", "hidden"):
            limit = item.get("max_length")
            if limit is None or limit == "":
                limit = DEFAULT_MAX_LENGTH.get(kind, TEXT_MAX_LENGTH)
            if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= HARD_MAX_LENGTH:
                errors.setdefault(f"{path}.max_length", []).append(
                    _("Give a whole number from 1 to %(max)d.") % {"max": HARD_MAX_LENGTH}
                )
                limit = TEXT_MAX_LENGTH
            definition["max_length"] = limit
        if kind == "hidden":
            default = item.get("value", "")
            if not isinstance(default, str) or len(default) > 500:
                errors.setdefault(f"{path}.value", []).append(_("Give a text of at most 500 characters."))
                default = ""
            definition["value"] = default
        out.append(definition)
    if out and not any(is_identity_target(d["property"]) for d in out):
        errors.setdefault("fields", []).append(
            _("Map at least one field to the contact's email, phone, first name or last name, so a submission can become a contact.")
        )
    return out, errors


def field_label(definition: dict[str, Any], language: str) -> str:
    return localized(definition.get("label"), language) or definition.get("name", "")


def choice_label(choice: dict[str, Any], language: str) -> str:
    return localized(choice.get("label"), language) or choice["value"]


# ---------------------------------------------------------------- submitted values

def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else ""
    return value


def _as_text(value: Any) -> str:
    value = _first(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return clean_display_text(str(value))
    raise ValueError(_("Enter text."))


def _checked(value: Any) -> bool:
    value = _first(value)
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("on", "true", "1", "yes", "y", "بله")


def _number(text: str) -> int | float:
    plain = normalize_digits(text).strip().replace(",", "").replace("٬", "").replace("٫", ".")
    try:
        number = Decimal(plain)
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not number.is_finite() or abs(number) > Decimal(10) ** 15:
        raise ValueError(_("Enter a number."))
    as_float = float(number)
    if not math.isfinite(as_float):
        raise ValueError(_("Enter a number."))
    return int(number) if number == number.to_integral_value() else as_float


def _has_nul(raw: Any) -> bool:
    if isinstance(raw, str):
        return "\x00" in raw
    return isinstance(raw, list) and any(isinstance(item, str) and "\x00" in item for item in raw)


def clean_field_value(definition: dict[str, Any], raw: Any, *, region: str) -> Any:
    """One field's value, cleaned; raises ValueError with the visitor-facing message.

    Returns None for an empty optional value."""
    kind = definition["type"]
    if _has_nul(raw):
        # Typed by the visitor (or their browser's autofill): refused, not silently changed.
        raise ValueError(_("Remove the null character (U+0000) from this value."))
    if kind == "checkbox":
        checked = _checked(raw)
        if definition.get("required") and not checked:
            raise ValueError(_("Tick this box to continue."))
        return checked
    if kind == "multi_choice":
        items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        values = []
        allowed = {c["value"] for c in definition.get("choices", [])}
        for item in items:
            text = _as_text(item)
            if text and text not in allowed:
                raise ValueError(_("Choose from the list."))
            if text and text not in values:
                values.append(text)
        if definition.get("required") and not values:
            raise ValueError(_("Choose at least one."))
        return values or None
    if isinstance(raw, list) and len(raw) > 1:
        raise ValueError(_("Give one value."))
    text = _as_text(raw)
    if kind == "hidden" and not text:
        text = definition.get("value", "")
    if not text:
        if definition.get("required"):
            raise ValueError(_("This field is required."))
        return None
    limit = definition.get("max_length")
    if limit and len(text) > limit:
        raise ValueError(_("Keep this under %(max)d characters.") % {"max": limit})
    if kind == "email":
        try:
            return normalize_email(text)
        except InvalidEmail:
            raise ValueError(_("Enter a valid email address.")) from None
    if kind == "phone":
        try:
            return normalize_phone(text, region=region)
        except InvalidPhone:
            raise ValueError(_("Enter a valid phone number, with country code if it is not in %(region)s.") % {"region": region}) from None
    if kind == "number":
        if len(text) > 40:
            raise ValueError(_("Enter a number."))
        return _number(text)
    if kind == "choice":
        if text not in {c["value"] for c in definition.get("choices", [])}:
            raise ValueError(_("Choose from the list."))
    return text


def clean_submission_values(definitions: list[dict[str, Any]], posted: dict[str, Any], *, region: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for definition in definitions:
        name = definition["name"]
        try:
            value = clean_field_value(definition, posted.get(name), region=region)
        except ValueError as exc:
            errors[name] = [str(exc)]
            continue
        if value is not None:
            values[name] = value
    return values, errors


@dataclass
class MappedValues:
    contact: dict[str, Any]  # for clean_contact_input / contact_upsert (incl. "properties")
    company: dict[str, Any]  # company fields and "properties", for the contact's company
    field_of: dict[str, str]  # contact input key (or "properties.<k>") -> form field name


def map_to_contact(definitions: list[dict[str, Any]], values: dict[str, Any]) -> MappedValues:
    contact: dict[str, Any] = {}
    company: dict[str, Any] = {}
    field_of: dict[str, str] = {}
    for definition in definitions:
        target, name = definition.get("property"), definition["name"]
        if not target or name not in values:
            continue
        value = values[name]
        if target in CONTACT_TARGETS:
            contact[target] = value
            field_of[target] = name
        elif target.startswith(COMPANY_PREFIX):
            rest = target.removeprefix(COMPANY_PREFIX)
            if rest in COMPANY_TARGETS:
                company[rest] = value
            else:
                company.setdefault("properties", {})[rest] = value
        else:
            contact.setdefault("properties", {})[target] = value
            field_of[f"properties.{target}"] = name
    return MappedValues(contact=contact, company=company, field_of=field_of)


def has_identity(mapped: MappedValues) -> bool:
    return any(mapped.contact.get(name) for name in IDENTITY_TARGETS)


def identity_field(definitions: list[dict[str, Any]]) -> str:
    """The form field that should carry the 'give an email, phone or name' error."""
    for target in IDENTITY_TARGETS:
        for definition in definitions:
            if definition.get("property") == target:
                return definition["name"]
    return "__all__"


def errors_for_fields(contact_errors: dict[str, list[str]], field_of: dict[str, str]) -> dict[str, list[str]]:
    """clean_contact_input errors (by contact key) -> errors by form field name."""
    out: dict[str, list[str]] = {}
    for key, messages in contact_errors.items():
        out.setdefault(field_of.get(key, key if key in field_of.values() else "__all__"), []).extend(messages)
    return out


# ---------------------------------------------------------------- context

def _short_text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return clean_display_text(_CONTROL.sub("", value))[:limit]


def clean_context(raw: Any) -> dict[str, str]:
    """Visitor context is not typed by the visitor: bad parts are cleaned (control
    characters such as NUL removed) or dropped, never refused."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, str] = {}
    visitor_id = raw.get("visitor_id")
    if isinstance(visitor_id, str) and VISITOR_ID_RE.match(visitor_id):
        out["visitor_id"] = visitor_id
    for key, limit in CONTEXT_LIMITS.items():
        text = _short_text(raw.get(key), limit)
        if text:
            out[key] = text
    from_url = utm_from_url(out.get("page_url", ""))
    for key in UTM_KEYS:
        text = _short_text(raw.get(key), 200) or from_url.get(key, "")[:200]
        if text:
            out[key] = text
    return out


def context_contact_values(context: dict[str, str]) -> dict[str, str]:
    """What the context tells about how the person came: first-touch fields of the contact."""
    values = {key: context[key] for key in UTM_KEYS if context.get(key)}
    if context.get("referrer"):
        values["referrer"] = context["referrer"]
    if context.get("page_url"):
        values["landing_page"] = context["page_url"]
    return values


# ---------------------------------------------------------------- spam

MIN_FILL_SECONDS = 2.0
MAX_TOKEN_AGE_SECONDS = 7 * 24 * 3600
SPAM_THRESHOLD = 50
# What each signal adds to the 0-100 spam score. Only a filled honeypot decides alone;
# a fast fill is weak evidence (browsers autofill a form in well under a second), so it
# holds a submission only together with other signals.
SPAM_POINTS = {
    "honeypot": 100,  # a field people never see was filled
    "bad_token": 50,  # the fill-time stamp was forged, expired or belongs to another form
    "too_fast": 20,  # sent sooner after the form was shown than a person types
    "links": 10,  # per web address once there are two or more (one is a website field)
    "mostly_links": 20,  # several web addresses making up most of the typed text
    "repeated": 30,  # the same values from the same address several times in a few minutes
}
LINKS_MAX_POINTS = 30
MAX_SCAN_CHARS = 20000
REPEAT_WINDOW_SECONDS = 600
REPEAT_AFTER = 2  # earlier identical submissions from one address before it counts
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9-]+\.(?:com|net|org|info|biz|ru|xyz|top|io|ir)(?:/[^\s<>\"']*)?", re.IGNORECASE)


@dataclass(frozen=True)
class SpamSignal:
    code: str
    points: int
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, **({"detail": self.detail} if self.detail else {})}


@dataclass(frozen=True)
class SpamAssessment:
    score: int  # 0-100
    signals: tuple[SpamSignal, ...]
    threshold: int

    @property
    def held(self) -> bool:
        return self.score >= self.threshold

    @property
    def reason(self) -> str:
        """The strongest signal's code: the short reason kept with a held submission."""
        return max(self.signals, key=lambda s: s.points).code if self.held and self.signals else ""

    def signals_json(self) -> list[dict[str, Any]]:
        return [signal.as_json() for signal in self.signals]


def _texts(values: Any, depth: int = 0) -> list[str]:
    if depth > 3:
        return []
    if isinstance(values, str):
        return [values]
    if isinstance(values, list):
        return [text for item in values[:200] for text in _texts(item, depth + 1)]
    if isinstance(values, dict):
        return [text for item in list(values.values())[:200] for text in _texts(item, depth + 1)]
    return []


def _link_signals(fields: Any) -> list[SpamSignal]:
    texts = _texts(fields)
    links = [match for text in texts for match in URL_RE.findall(text[:MAX_SCAN_CHARS])]
    if not links:
        return []
    # An email address's domain is not a link someone wants clicked.
    links = [link for link in links if not any(f"@{link}" in text for text in texts)]
    if len(links) < 2:
        return []
    signals = [SpamSignal("links", min(LINKS_MAX_POINTS, SPAM_POINTS["links"] * len(links)), {"count": len(links)})]
    typed = sum(len(text.strip()) for text in texts if "@" not in text or " " in text.strip())
    if typed and sum(len(link) for link in links) * 2 > typed:
        signals.append(SpamSignal("mostly_links", SPAM_POINTS["mostly_links"]))
    return signals


def spam_assessment(
    *,
    honeypot: Any,
    fill_seconds: float | None,
    token_given: bool,
    token_valid: bool,
    fields: Any = None,
    repeats: int = 0,
    min_seconds: float = MIN_FILL_SECONDS,
    threshold: int = SPAM_THRESHOLD,
) -> SpamAssessment:
    """The spam score of a submission (0-100) and the signals that make it up.

    `repeats`: earlier submissions with the same values from the same address within
    REPEAT_WINDOW_SECONDS. JSON API clients may leave out the time token; a token that is
    given must be valid."""
    signals: list[SpamSignal] = []
    if honeypot not in (None, "", []):
        signals.append(SpamSignal("honeypot", SPAM_POINTS["honeypot"]))
    if token_given and not token_valid:
        signals.append(SpamSignal("bad_token", SPAM_POINTS["bad_token"]))
    if fill_seconds is not None and fill_seconds < min_seconds:
        signals.append(SpamSignal("too_fast", SPAM_POINTS["too_fast"], {"seconds": round(max(fill_seconds, 0.0), 1)}))
    signals.extend(_link_signals(fields))
    if repeats >= REPEAT_AFTER:
        signals.append(SpamSignal("repeated", SPAM_POINTS["repeated"], {"count": repeats + 1}))
    score = min(100, sum(signal.points for signal in signals))
    return SpamAssessment(score=score, signals=tuple(signals), threshold=threshold)
