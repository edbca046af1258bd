"""The scoring model Sarnakh ships, built from the brief's examples; editable in the UI.

Labels are stored in English and marked for the catalogue, so the UI can show a shipped
label translated and a label an admin typed as typed. Caps beyond the brief's (pricing at
most 3 a day, careers once a day, one unsubscribe and one bounce) keep a page reload or a
retried webhook from swinging the score.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_noop

from sarnakh.scoring.engine.spec import ModelSpec

DEFAULT_MODEL_KEY = "default"
DEFAULT_COUNTRIES = ("IR",)

MANAGER_WORDS = (
    "manager", "head", "director", "chief", "vp", "vice president", "lead", "founder", "cofounder",
    "owner", "ceo", "cmo", "cto", "coo", "cfo",
    "مدیر", "رئیس", "رییس", "سرپرست", "مدیرعامل", "بنیان‌گذار", "هم‌بنیان‌گذار", "مؤسس",
)
YES_ISH = "is_yes"


def _paths(*stems: str) -> list[str]:
    # The site is bilingual: the same page may live under /fa/ or /en/.
    return [prefix + stem for stem in stems for prefix in ("", "/fa", "/en")]


def _page(key: str, label: str, stems: Iterable[str], points: int, intent: str, **caps: Any) -> dict:
    return {
        "key": key,
        "label": label,
        "event_type": "page_view",
        "conditions": [{"field": "path", "op": "path_matches", "value": _paths(*stems)}],
        "points": points,
        "intent": intent,
        **caps,
    }


def _track(key: str, label: str, name: str, points: int, intent: str, **caps: Any) -> dict:
    return {"key": key, "label": label, "event_type": "track", "event_name": name, "points": points, "intent": intent, **caps}


def default_model_dict(countries: Iterable[str] = DEFAULT_COUNTRIES) -> dict[str, Any]:
    fit = [
        {"key": "company_email", "label": gettext_noop("Company email address"), "points": 15,
         "conditions": [{"field": "email", "op": "is_company_email"}]},
        {"key": "manager_title", "label": gettext_noop("Manager-level job title"), "points": 20,
         "conditions": [{"field": "job_title", "op": "contains_any", "value": list(MANAGER_WORDS)}]},
        {"key": "company_size", "label": gettext_noop("Company of 11 or more employees"), "points": 10,
         "conditions": [{"field": "company.employee_band", "op": "gte", "value": "11-50"}]},
        *(
            {"key": f"bant_{part}", "label": label, "points": 5,
             "conditions": [{"field": f"bant.{part}", "op": YES_ISH}]}
            for part, label in (
                ("budget", gettext_noop("BANT: has a budget")),
                ("authority", gettext_noop("BANT: can decide")),
                ("need", gettext_noop("BANT: has the need")),
                ("timeline", gettext_noop("BANT: has a timeline")),
            )
        ),
        {"key": "target_country", "label": gettext_noop("In a target country"), "points": 5,
         "conditions": [{"field": "country", "op": "in", "value": list(countries)}]},
    ]
    engagement = [
        _page("pricing_page", gettext_noop("Viewed pricing"), ["/pricing*"], 15, "high", max_per_day=3),
        _page("case_study_page", gettext_noop("Viewed a case study"), ["/case-studies*"], 10, "high"),
        _page("testimonials_page", gettext_noop("Viewed testimonials"), ["/testimonials*"], 8, "high"),
        _page("demo_page", gettext_noop("Viewed the demo page"), ["/demo*"], 10, "high"),
        _page("blog_post", gettext_noop("Read a blog post"), ["/blog/*"], 2, "low", max_per_day=5),
        _page("careers_page", gettext_noop("Viewed careers"), ["/careers*"], -10, "low", max_per_day=1),
        _track("download", gettext_noop("Downloaded content"), "download", 10, "low"),
        _track("email_open", gettext_noop("Opened an email"), "email_open", 1, "low", max_per_day=3),
        _track("email_click", gettext_noop("Clicked a link in an email"), "email_click", 5, "low"),
        _track("cta_click", gettext_noop("Clicked a call to action"), "cta_click", 3, "low"),
        _track("form_submitted", gettext_noop("Submitted a form"), "form_submitted", 20, "high"),
        {
            "key": "demo_requested",
            "label": gettext_noop("Requested or booked a demo"),
            "event_type": "track",
            "conditions": [{"field": "name", "op": "in", "value": ["demo_requested", "demo_booked"]}],
            "points": 40,
            "intent": "high",
        },
        _track("unsubscribed", gettext_noop("Unsubscribed"), "unsubscribed", -50, "low", max_total=1),
        _track("email_bounced", gettext_noop("Email bounced"), "email_bounced", -20, "low", max_total=1),
    ]
    return {
        "key": DEFAULT_MODEL_KEY,
        "name": gettext_noop("Default model"),
        "fit_rules": fit,
        "engagement_rules": engagement,
        "half_life_days": 30,
        "grade_cutoffs": {"A": 45, "B": 30, "C": 15},
        "qualification": {"kind": "grade_and_engagement", "min_grade": "B", "min_engagement": 60, "min_combined": 95},
    }


def default_model(countries: Iterable[str] = DEFAULT_COUNTRIES) -> ModelSpec:
    return ModelSpec.parse(default_model_dict(countries))
