"""The attribution page: credited conversions per channel or campaign under all four
models side by side, with bars for the model the reader picked."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from sarnakh.core.lead_source import Channel
from sarnakh.core.ui.formatting import persian_digits
from sarnakh.core.ui.permissions import require
from sarnakh.tracking.reports import attribution
from sarnakh.tracking.reports.attribution_credit import (
    FIRST_TOUCH,
    LAST_TOUCH,
    LINEAR,
    MODELS,
    U_SHAPED,
)

PERIODS = (30, 90, 365)
MODEL_LABELS = {
    FIRST_TOUCH: gettext_lazy("First touch"),
    LAST_TOUCH: gettext_lazy("Last touch"),
    LINEAR: gettext_lazy("Linear"),
    U_SHAPED: gettext_lazy("U-shaped"),
}
MODEL_HELP = {
    FIRST_TOUCH: gettext_lazy("All the credit goes to the visit that first brought the person to you."),
    LAST_TOUCH: gettext_lazy("All the credit goes to the last visit before the conversion."),
    LINEAR: gettext_lazy("Every visit before the conversion gets an equal share."),
    U_SHAPED: gettext_lazy(
        "The first and the last visit get 40% each; the visits in between share the other 20%. "
        "With only two visits, each gets half."
    ),
}
CONVERSION_LABELS = {
    attribution.CREATED: gettext_lazy("New contacts"),
    attribution.MQL: gettext_lazy("Became MQL"),
    attribution.CUSTOMER: gettext_lazy("Became customer"),
}
GROUP_LABELS = {attribution.BY_CHANNEL: gettext_lazy("Channel"), attribution.BY_CAMPAIGN: gettext_lazy("Campaign")}


def _pick(request, name: str, allowed, default):
    value = request.GET.get(name, "")
    return value if value in allowed else default


def _persian() -> bool:
    return (get_language() or "").startswith("fa")


def _number(value: float, places: int) -> str:
    text = f"{value:,.{places}f}"
    return persian_digits(text.replace(",", "٬").replace(".", "٫")) if _persian() else text


def _percent(fraction: float) -> str:
    return _number(100 * fraction, 1) + ("٪" if _persian() else "%")


def _label(key: str, group_by: str) -> str:
    if group_by == attribution.BY_CHANNEL:
        return str(dict(Channel.choices).get(key, key))
    return _("(no campaign)") if key == attribution.NO_CAMPAIGN else key


@require("tracking.view")
def attribution_page(request):
    conversion = _pick(request, "conversion", attribution.CONVERSIONS, attribution.CREATED)
    group_by = _pick(request, "group_by", attribution.GROUPINGS, attribution.BY_CHANNEL)
    model = _pick(request, "model", MODELS, LINEAR)
    days = int(_pick(request, "days", [str(d) for d in PERIODS], str(attribution.DEFAULT_DAYS)))
    since, until = attribution.default_period(days)
    report = attribution.attribution_comparison(
        conversion=conversion, group_by=group_by, since=attribution.day_start(since), until=attribution.day_start(until), sort_by=model
    )
    rows = [
        {
            "key": row.key,
            "label": _label(row.key, group_by),
            "touches": row.touches,
            "cells": [
                {"model": m, "conversions": _number(row.conversions[m], 2), "share": _percent(row.shares[m])}
                for m in MODELS
            ],
            "bar_width": f"{100 * row.shares[model]:.1f}",
            "bar_value": _number(row.conversions[model], 2),
        }
        for row in report.rows
    ]
    return render(
        request,
        "tracking/attribution.html",
        {
            "rows": rows,
            "total": report.total_conversions,
            "conversion": conversion,
            "group_by": group_by,
            "model": model,
            "days": days,
            "since": since,
            "last_day": until - dt.timedelta(days=1),
            "models": [{"key": m, "label": MODEL_LABELS[m], "help": MODEL_HELP[m]} for m in MODELS],
            "model_label": MODEL_LABELS[model],
            "conversions": list(CONVERSION_LABELS.items()),
            "groupings": list(GROUP_LABELS.items()),
            "group_label": GROUP_LABELS[group_by],
            "periods": PERIODS,
        },
    )
