"""Cards other apps add to the contact page, composed by the page without knowing them."""

import pytest

from sarnakh.core import contact_page
from sarnakh.core.contact_page import CONTACT_CARDS, contact_card, contact_cards, timeline_source
from sarnakh.core.registry import Registry


@pytest.fixture
def cards(monkeypatch):
    """An empty card registry for one test."""
    registry = Registry("contact card")
    monkeypatch.setattr(contact_page, "CONTACT_CARDS", registry)
    return registry


def card(key, *, slot="main", order=10, context=lambda request, contact: {}, group=""):
    return contact_card(key=key, label=key, slot=slot, order=order, template=f"{key}.html", context=context, group=group)


def test_given_cards_when_composed_then_by_slot_in_order_with_their_context(cards):
    card("second", order=20, context=lambda r, c: {"second": c})
    card("first", order=10, context=lambda r, c: {"first": c})
    card("aside", slot="side", context=lambda r, c: {"aside": 1})
    shown, context = contact_cards(None, "the contact")
    assert [c.key for c in shown["main"]] == ["first", "second"]
    assert [c.template for c in shown["side"]] == ["aside.html"]
    assert context == {"first": "the contact", "second": "the contact", "aside": 1}


def test_given_a_card_with_nothing_to_show_then_hidden(cards):
    card("empty", context=lambda r, c: None)
    shown, context = contact_cards(None, "contact")
    assert shown["main"] == [] and context == {}


def test_given_alternatives_then_the_first_with_something_to_show_wins(cards):
    card("fallback", slot="side", order=90, group="how", context=lambda r, c: {"fallback": True})
    card("better", slot="side", order=10, group="how", context=lambda r, c: {"better": True} if c == "tracked" else None)
    assert [c.key for c in contact_cards(None, "tracked")[0]["side"]] == ["better"]
    assert [c.key for c in contact_cards(None, "untracked")[0]["side"]] == ["fallback"]


def test_given_two_cards_with_the_same_context_key_then_refused(cards):
    card("a", context=lambda r, c: {"score": 1})
    card("b", context=lambda r, c: {"score": 2})
    with pytest.raises(ValueError, match="repeats context keys"):
        contact_cards(None, "contact")


def test_given_an_unknown_slot_or_an_own_rank_then_refused():
    with pytest.raises(ValueError, match="slot"):
        contact_card(key="x", label="x", slot="footer", order=1, template="x.html", context=lambda r, c: {})
    with pytest.raises(ValueError, match="rank 0"):
        timeline_source(key="x", label="x", rank=0, template="x.html", items=lambda *a, **k: ([], False))


def test_the_apps_register_the_cards_the_page_shows():
    keys = {c.key for c in CONTACT_CARDS}
    assert {"first_touch", "touches", "score", "prediction"} <= keys
