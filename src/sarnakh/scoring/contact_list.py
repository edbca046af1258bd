"""What scoring adds to the contacts list (core.contact_list): the score and grade under
the default model, each a sortable column. Imported by ScoringConfig.ready."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from sarnakh.core.contact_list import ListSort, contact_list_column
from sarnakh.scoring.selectors import with_default_score

# Unscored contacts go last whichever way a column is sorted: they have no value to compare.
contact_list_column(
    key="score", label=_("Score"), template="scoring/_list_score.html", annotate=with_default_score, order=10,
    cell_class="num",
    sorts=(
        ListSort("score_high", _("Highest score first"), (F("score_value").desc(nulls_last=True), F("id").desc())),
        ListSort("score_low", _("Lowest score first"), (F("score_value").asc(nulls_last=True), F("id").asc()), "ascending"),
    ),
)
# A is the best grade: "best first" is alphabetical; within a grade the higher score first.
contact_list_column(
    key="grade", label=_("Grade"), template="scoring/_list_grade.html", annotate=with_default_score, order=20,
    sorts=(
        ListSort("grade_best", _("Best grade first"),
                 (F("score_grade").asc(nulls_last=True), F("score_value").desc(nulls_last=True), F("id").desc()), "ascending"),
        ListSort("grade_worst", _("Worst grade first"),
                 (F("score_grade").desc(nulls_last=True), F("score_value").asc(nulls_last=True), F("id").asc())),
    ),
)
