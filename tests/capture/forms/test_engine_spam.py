"""engine.spam_assessment: signals add up to a 0-100 score; only the threshold holds."""

from __future__ import annotations

from sarnakh.capture.forms import engine


def _assess(**overrides):
    given = {"honeypot": None, "fill_seconds": 30.0, "token_given": True, "token_valid": True, "fields": {"email": "sara@example.com"}}
    return engine.spam_assessment(**{**given, **overrides})


def test_given_a_person_filling_in_the_form_then_score_zero_and_not_held():
    assessment = _assess()
    assert (assessment.score, assessment.signals, assessment.held, assessment.reason) == (0, (), False, "")


def test_given_a_filled_honeypot_then_held_on_its_own():
    assessment = _assess(honeypot="x")
    assert (assessment.score, assessment.held, assessment.reason) == (100, True, "honeypot")


def test_given_only_a_fast_fill_then_a_weak_signal_below_the_threshold():
    assessment = _assess(fill_seconds=0.5)
    assert (assessment.score, assessment.held) == (20, False)
    assert assessment.signals_json() == [{"code": "too_fast", "points": 20, "detail": {"seconds": 0.5}}]


def test_given_one_website_address_then_no_link_signal_and_email_domains_are_not_links():
    assessment = _assess(fields={"email": "sara@atlas.com", "website": "https://atlas.com"})
    assert assessment.score == 0


def test_given_several_links_making_most_of_the_text_then_links_and_mostly_links():
    assessment = _assess(fields={"message": "see https://a.example.ru and www.b.example.xyz"})
    assert [(s.code, s.points) for s in assessment.signals] == [("links", 20), ("mostly_links", 20)]
    assert assessment.score == 40 and not assessment.held


def test_given_repeats_and_a_fast_fill_then_they_add_up_to_held():
    assessment = _assess(fill_seconds=0.3, repeats=2)
    assert [s.code for s in assessment.signals] == ["too_fast", "repeated"]
    assert (assessment.score, assessment.held, assessment.reason) == (50, True, "repeated")


def test_given_everything_at_once_then_the_score_stops_at_100():
    assessment = _assess(honeypot="x", token_valid=False, fill_seconds=None, repeats=5)
    assert assessment.score == 100


def test_given_a_custom_threshold_then_held_from_it():
    assert _assess(fill_seconds=0.5, threshold=20).held
    assert not _assess(fill_seconds=0.5, threshold=21).held
