"""The pure lifecycle move rule."""

import pytest

from sarnakh.contacts.stages import StageInfo, decide_move

SUBSCRIBER = StageInfo("subscriber", 1, "funnel")
LEAD = StageInfo("lead", 2, "funnel")
MQL = StageInfo("mql", 3, "funnel")
SQL = StageInfo("sql", 4, "funnel")
RECYCLED = StageInfo("recycled", 7, "side")
DISQUALIFIED = StageInfo("disqualified", 8, "side")
COLD = StageInfo("cold", 9, "side")


def test_given_no_current_stage_when_deciding_then_any_stage_is_allowed():
    assert decide_move(None, SQL, "").allowed


@pytest.mark.parametrize("current,target", [(SUBSCRIBER, LEAD), (LEAD, SQL), (RECYCLED, MQL), (COLD, LEAD)])
def test_given_forward_move_when_deciding_then_allowed_without_reason(current, target):
    decision = decide_move(current, target, "")
    assert decision.allowed and not decision.is_backward


@pytest.mark.parametrize("current,target", [(SQL, LEAD), (MQL, SUBSCRIBER)])
def test_given_backward_move_without_reason_when_deciding_then_refused(current, target):
    decision = decide_move(current, target, "   ")
    assert not decision.allowed and decision.is_backward and decision.message


@pytest.mark.parametrize("target", [RECYCLED, DISQUALIFIED, COLD])
def test_given_move_to_side_state_without_reason_when_deciding_then_refused(target):
    decision = decide_move(LEAD, target, "")
    assert not decision.allowed
    assert target.key in decision.message


@pytest.mark.parametrize("current,target", [(SQL, LEAD), (LEAD, DISQUALIFIED), (RECYCLED, COLD)])
def test_given_reason_when_moving_backward_or_aside_then_allowed_and_marked_backward(current, target):
    decision = decide_move(current, target, "no budget")
    assert decision.allowed and decision.is_backward


def test_given_same_stage_when_deciding_then_refused():
    assert not decide_move(LEAD, LEAD, "why not").allowed
