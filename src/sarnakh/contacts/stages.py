"""The rule for lifecycle moves. Pure: no ORM.

Forward moves (to a later funnel stage, or back into the funnel from a side state) are
allowed from any path. Backward moves and moves to side states (recycled, disqualified,
cold) are explicit actions and need a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

FUNNEL = "funnel"
SIDE = "side"


@dataclass(frozen=True)
class StageInfo:
    key: str
    order: int
    kind: str
    label: str = ""  # the reader's name of the stage, for messages


@dataclass(frozen=True)
class MoveDecision:
    allowed: bool
    is_backward: bool
    message: str = ""


def decide_move(current: StageInfo | None, target: StageInfo, reason: str) -> MoveDecision:
    reason = (reason or "").strip()
    if current is None:
        return MoveDecision(allowed=True, is_backward=False)
    if current.key == target.key:
        return MoveDecision(allowed=False, is_backward=False, message=_("The contact is already at this stage."))
    needs_reason = target.kind == SIDE or (current.kind == FUNNEL and target.order < current.order)
    if needs_reason and not reason:
        if target.kind == SIDE:
            message = _("Moving a contact to “%(stage)s” needs a reason.") % {"stage": target.label or target.key}
        else:
            message = _("Moving a contact back to an earlier stage needs a reason (recycle or disqualify it with a reason).")
        return MoveDecision(allowed=False, is_backward=True, message=message)
    return MoveDecision(allowed=True, is_backward=needs_reason)
