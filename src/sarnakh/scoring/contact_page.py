"""What scoring adds to the contact page (core.contact_page): the score card and the
predicted conversion, and the timeline kind for score changes (core.timeline). Imported
by ScoringConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sarnakh.core.contact_page import contact_card
from sarnakh.core.timeline import timeline_kind
from sarnakh.scoring.predictive.selectors import prediction_context
from sarnakh.scoring.selectors import score_card_context

SCORE = timeline_kind("score", _("Score changed")).key


def _score_card(request, contact) -> dict:
    # Always shown: without a model it says none is set up.
    return {"score_card": score_card_context(contact.pk)}


def _prediction(request, contact) -> dict | None:
    prediction = prediction_context(contact.pk)
    return {"prediction": prediction} if prediction else None


contact_card(key="score", label=_("Lead score"), slot="main", order=10, template="scoring/_score_card.html", context=_score_card)
contact_card(key="prediction", label=_("Predicted conversion"), slot="main", order=20, template="scoring/_prediction.html", context=_prediction)
