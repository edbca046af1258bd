"""Writes of the scoring app: refreshing a contact's scores (with MQL promotion), saving
a model's rules as a new version, and re-scoring everyone (set-based, in bulk.py).

Crossing the bar (`engine.crossed`: qualified now, not at the last stored score):
- records `qualified_since` and publishes `contact.qualified` (any model; it names the
  model, the values and whether the stage moved) for nurture, hand-off and webhooks;
- with the default model only, moves the contact to the `mql` stage when the contact is
  in the funnel before it (subscriber, lead). Contacts at MQL or later, and contacts in a
  side state (recycled, disqualified, cold: a person decided that), are left where they
  are: stages only move forward, and only by the bar of the model everyone agreed on.
Falling below the bar sets `below_bar` and changes no stage.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.contacts import services as contact_services
from sarnakh.core import clock, event_log
from sarnakh.core.actor import Actor
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.events import publish
from sarnakh.core.ui.formatting import format_number
from sarnakh.scoring import facts_loader
from sarnakh.scoring.engine import ModelSpec, ScoreResult, SpecError, crossed, score_contact
from sarnakh.scoring.engine.result import number
from sarnakh.scoring.events import ContactQualified, ContactScoreChanged
from sarnakh.scoring.models import ContactScore, ScoreHistory, ScoringModel, ScoringModelVersion

logger = logging.getLogger("sarnakh.scoring")

MQL_STAGE = "mql"
_specs: dict[int, tuple[dict, ModelSpec]] = {}


def version_spec(version: ScoringModelVersion) -> ModelSpec:
    """The parsed rules of a version, cached: versions never change, but the rules are
    compared too, since a flushed (test) database hands out the same ids again."""
    hit = _specs.get(version.pk)
    if hit is not None and hit[0] == version.spec:
        return hit[1]
    if len(_specs) > 256:
        _specs.clear()
    spec = ModelSpec.from_dict(version.spec)
    _specs[version.pk] = (version.spec, spec)
    return spec


def scoring_models_active() -> list[ScoringModel]:
    return list(ScoringModel.objects.filter(is_active=True, current_version__isnull=False).select_related("current_version"))


def scoring_model_for(model: ScoringModel | str | None) -> ScoringModel:
    """A model by instance or key; None means the default model."""
    if isinstance(model, ScoringModel):
        return model
    found = ScoringModel.objects.filter(**({"key": model} if model else {"is_default": True})).select_related("current_version").first()
    if found is None or found.current_version is None:
        raise NotFound(_("Scoring model not found.") if model else _("There is no default scoring model."))
    return found


# ------------------------------------------------------------------ one contact


def bar_text(spec: ModelSpec) -> str:
    q = spec.qualification
    if q.kind == "combined":
        return _("combined score at least %(score)s") % {"score": format_number(q.min_combined)}
    return _("grade %(grade)s or better and engagement at least %(engagement)s") % {
        "grade": q.min_grade, "engagement": format_number(q.min_engagement),
    }


def qualification_reason(model: ScoringModel, version: ScoringModelVersion, result: ScoreResult) -> str:
    spec = version_spec(version)
    return _(
        "Scoring model “%(model)s” v%(version)s: fit %(fit)s (grade %(grade)s), engagement %(engagement)s, "
        "combined %(score)s; the bar is %(bar)s."
    ) % {
        "model": model.name, "version": version.number, "fit": number(result.fit), "grade": result.grade,
        "engagement": number(result.engagement), "score": number(result.score), "bar": bar_text(spec),
    }


def _emit_qualified(*, contact_id: int, model: ScoringModel, version: ScoringModelVersion, result: Any, promoted: bool, now) -> None:
    """Announces the crossing (contact.qualified), in the transaction that stored it."""
    publish(
        ContactQualified(
            contact_id=contact_id, model=model.key, version=version.number, score=float(result.score), fit=float(result.fit),
            engagement=float(result.engagement), grade=result.grade, moved_to_mql=promoted, since=now.isoformat(),
        ),
        actor=_("Scoring: %(model)s") % {"model": model.name},
    )


def _promote(
    *, contact_id: int, stage_kind: str, stage_order: int, model: ScoringModel, version: ScoringModelVersion, result: Any,
) -> bool:
    if not model.is_default or stage_kind != "funnel":
        return False
    mql = contact_selectors.stage_order(MQL_STAGE)
    if mql is None or stage_order >= mql:
        return False
    contact_services.contact_change_stage(
        contact_id=contact_id, stage_key=MQL_STAGE, reason=qualification_reason(model, version, result),
        actor=Actor(source="rule", label=(_("Scoring: %(model)s") % {"model": model.name})[:200]),
        rule=f"{model.key}@v{version.number}"[:200],
    )
    return True


def _values(row: Any) -> tuple:
    return (Decimal(row.fit), Decimal(row.engagement), Decimal(row.score), row.grade)


def _store(*, facts: facts_loader.ContactFacts, model: ScoringModel, result: ScoreResult, now: dt.datetime) -> ContactScore:
    version = model.current_version
    existing = ContactScore.objects.filter(contact_id=facts.contact_id, model=model).first()
    was_qualified = existing.qualified if existing else False
    was_ever = bool(existing and (existing.qualified or existing.below_bar))
    row = existing or ContactScore(contact_id=facts.contact_id, model=model)
    before = _values(existing) if existing else None
    row.version = version
    row.fit, row.grade, row.engagement, row.score = result.fit, result.grade, result.engagement, result.score
    row.qualified = result.qualified
    row.below_bar = not result.qualified and was_ever
    row.breakdown = result.to_dict()
    row.computed_at = now
    if crossed(was_qualified, result.qualified):
        row.qualified_since = now
        promoted = _promote(
            contact_id=facts.contact_id, stage_kind=facts.stage_kind, stage_order=facts.stage_order, model=model, version=version,
            result=result,
        )
        _emit_qualified(contact_id=facts.contact_id, model=model, version=version, result=result, promoted=promoted, now=now)
    row.save()
    if before != _values(row):
        ScoreHistory.objects.create(
            contact_id=facts.contact_id, model=model, at=now, fit=row.fit, engagement=row.engagement, score=row.score, grade=row.grade
        )
        publish(
            ContactScoreChanged(
                contact_id=facts.contact_id, model=model.key, fit=float(row.fit), engagement=float(row.engagement),
                score=float(row.score), grade=row.grade, previous_score=float(before[2]) if before else None,
                previous_grade=before[3] if before else "",
            ),
            actor=_("Scoring: %(model)s") % {"model": model.name},
        )
    return row


def contact_score_refresh(*, contact_id: int, model: ScoringModel | str | None = None, now: dt.datetime | None = None) -> list[ContactScore]:
    """Scores a live contact from scratch with each active model (or `model`) and stores the
    result; idempotent. Returns nothing for an unknown or merged-away contact."""
    now = now or clock.now()
    models = [scoring_model_for(model)] if model is not None else scoring_models_active()
    if not models:
        return []
    with transaction.atomic():
        # The row lock serialises the event processor and the job worker on one contact,
        # so a crossing is seen, and acted on, once.
        contact = (
            contact_selectors.live_contacts().select_for_update(of=("self",)).select_related("stage", "company")
            .filter(pk=contact_id).first()
        )
        if contact is None:
            return []
        facts = facts_loader.facts_for_contacts([contact])[contact.pk]
        tz = facts_loader.account_tz()
        stored = []
        for scoring_model in models:
            result = score_contact(version_spec(scoring_model.current_version), facts.person, facts.events, now, tz=tz)
            stored.append(_store(facts=facts, model=scoring_model, result=result, now=now))
        return stored


def crossings_act(*, model_id: int, contact_ids: list[int]) -> int:
    """What crossing the bar does (MQL stage, `contact.qualified` event), for contacts the
    bulk re-score stored as newly qualified. Run by a job the re-score queued in the same
    transaction; idempotent (the stage only moves forward, a crossing is announced once
    per `qualified_since`).
    A contact no longer qualified by now is skipped. Returns how many were acted on."""
    model = ScoringModel.objects.filter(pk=model_id).first()
    if model is None:
        return 0
    acted = 0
    for contact_id in contact_ids:
        with transaction.atomic():
            contact = (
                contact_selectors.live_contacts().select_for_update(of=("self",)).select_related("stage")
                .filter(pk=contact_id).first()
            )
            row = ContactScore.objects.filter(contact_id=contact_id, model=model).select_related("version").first()
            if contact is None or row is None or not row.qualified:
                continue
            since = (row.qualified_since or row.computed_at).isoformat()
            if event_log.published(ContactQualified.name, contact_id=contact_id, model=model.key, since=since):
                continue
            promoted = _promote(
                contact_id=contact_id, stage_kind=contact.stage.kind, stage_order=contact.stage.order, model=model,
                version=row.version, result=row,
            )
            _emit_qualified(
                contact_id=contact_id, model=model, version=row.version, result=row, promoted=promoted,
                now=row.qualified_since or row.computed_at,
            )
            acted += 1
    return acted


def contact_scores_forget(*, contact_id: int) -> int:
    """Drops a merged-away contact's current scores (its trend stays with the tombstone)."""
    deleted, _detail = ContactScore.objects.filter(contact_id=contact_id).delete()
    return deleted


# ------------------------------------------------------------------ models and versions


def scoring_model_save(*, key: str, spec_dict: Any, note: str = "", user: Any = None) -> ScoringModelVersion:
    """Validates the rules with the engine and stores them as the model's next version
    (creating the model on its first save). Saving the rules the model already has returns
    the current version unchanged. Re-scoring the contacts afterwards is the caller's job."""
    if not isinstance(spec_dict, Mapping):
        raise SpecError({"__all__": [_("Expected an object.")]})
    data = {**spec_dict}
    data.setdefault("key", key)
    spec = ModelSpec.parse(data)
    if spec.key != key:
        raise SpecError({"key": [_("The rules' key must be the model's key, %(key)s.") % {"key": key}]})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed(_("The note is too long."), fields={"note": [_("Keep this under 500 characters.")]})
    canonical = spec.to_dict()
    now = clock.now()
    with transaction.atomic():
        scoring_model = ScoringModel.objects.select_for_update(of=("self",)).filter(key=key).select_related("current_version").first()
        if scoring_model is None:
            scoring_model = ScoringModel.objects.create(key=key, name=spec.name, is_default=False, created_at=now)
        current = scoring_model.current_version
        if current is not None and current.spec == canonical:
            return current
        last = ScoringModelVersion.objects.filter(model=scoring_model).aggregate(n=Max("number"))["n"] or 0
        version = ScoringModelVersion.objects.create(
            model=scoring_model, number=last + 1, spec=canonical, created_at=now,
            created_by=user if getattr(user, "pk", None) else None, note=note,
        )
        scoring_model.current_version = version
        scoring_model.name = spec.name
        scoring_model.save(update_fields=["current_version", "name"])
    return version


def contacts_rescore_all(
    *, model_key: str | None = None, now: dt.datetime | None = None, progress: Callable[[int, int, str], None] | None = None,
) -> int:
    """Re-scores every live contact with each active model (or one), set-based
    (`bulk.rescore_model`), in this process. Returns how many contacts were scored."""
    from sarnakh.scoring import bulk

    models = [scoring_model_for(model_key)] if model_key else scoring_models_active()
    done = 0
    for scoring_model in models:
        done = bulk.rescore_model(scoring_model, now=now, progress=progress).total
    return done
