"""The predictive model's report page (scoring → Predictive): figures beside the
baseline, lift per decile, the reliability chart, leakage warnings, top features, the
contacts most likely to convert, and the buttons that train now or set the schedule."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.contacts.selectors import stage_list
from sarnakh.core.errors import DomainError
from sarnakh.core.roles import can
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import require

from . import selectors, services


@require("scoring.view")
def predictive(request):
    schedule = services.predictive_settings_get()
    context = {
        **selectors.report_page_context(),
        "scoring_tab": "predictive",
        "can_manage": can(request.user, "scoring.manage"),
        "schedule": schedule,
        "next_retrain_at": services.next_retrain_at(),
        "stages": stage_list(),
    }
    return render(request, "scoring/predictive.html", context)


@require_POST
@require("scoring.manage")
def predictive_train(request):
    try:
        run = services.predictive_train_queue(target_stage=request.POST.get("target_stage", "customer"), user=request.user)
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.success(request, _("Training run #%(id)d is queued; this page shows its status.") % {"id": run.pk})
    return redirect("scoring:predictive")


@require_POST
@require("scoring.manage")
def predictive_schedule(request):
    text = request.POST.get("retrain_every_days", "").strip()
    days = int(text) if text.isdigit() else -1
    try:
        services.predictive_settings_update(retrain_every_days=days, target_stage=request.POST.get("target_stage", "customer"))
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.success(request, _("Retraining schedule saved."))
    return redirect("scoring:predictive")
