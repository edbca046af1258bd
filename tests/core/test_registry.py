"""The plug-in registry: later trigger, step, rule and operator types register here."""

import pytest

from sarnakh.core.registry import Registry, Spec, UnknownKey


def test_given_registered_specs_then_found_by_key_and_listed():
    registry: Registry[Spec] = Registry("step type")
    send = registry.register(Spec(key="send_email", label="Send email", config_schema={"template": "int"}, handler=print))
    assert registry.get("send_email") is send
    assert "send_email" in registry
    assert [s.key for s in registry] == ["send_email"]


def test_given_an_unknown_key_then_it_raises_naming_the_known_ones():
    registry: Registry[Spec] = Registry("step type")
    registry.register(Spec(key="wait", label="Wait", config_schema={}, handler=None))
    with pytest.raises(UnknownKey, match="unknown step type 'nope'; known: wait"):
        registry.get("nope")


def test_given_a_key_registered_twice_then_refused():
    registry: Registry[Spec] = Registry("rule type")
    registry.register(Spec(key="page_view", label="Page view", config_schema={}, handler=None))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Spec(key="page_view", label="Again", config_schema={}, handler=None))
