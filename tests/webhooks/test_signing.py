"""Signatures: what Sarnakh sends verifies with the recipe docs/webhooks.md gives receivers."""

from __future__ import annotations

import re
import time
from pathlib import Path

from sarnakh.webhooks import signing

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_verify():
    """The Python recipe from docs/webhooks.md, run as a receiver would copy it."""
    text = DOCS.read_text()
    code = re.search(r"<!-- verify-recipe[^>]*-->\s*```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_sarnakh_signature"]


def test_a_signature_made_now_verifies_with_the_documented_recipe_and_the_helper():
    secret, body, now = signing.new_secret(), '{"id":1,"type":"x","data":{"name":"علی"}}'.encode(), int(time.time())
    header = signing.signature_header([secret], now, body)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert documented_verify()(secret, header, body)
    assert signing.verify(secret, header, body, now=now)


def test_a_changed_body_another_secret_or_an_old_timestamp_do_not_verify():
    verify = documented_verify()
    secret, body = signing.new_secret(), b'{"id":1}'
    now = int(time.time())
    header = signing.signature_header([secret], now, body)
    assert not verify(secret, header, b'{"id":2}')
    assert not verify(signing.new_secret(), header, body)
    old = signing.signature_header([secret], now - 600, body)
    assert not verify(secret, old, body)
    assert not verify(secret, "v1=" + signing.sign(secret, now, body), body)  # no timestamp
    assert not verify(secret, f"t={now},t={now},v1={signing.sign(secret, now, body)}", body)


def test_during_a_rotation_either_secret_verifies():
    old, new, body, now = signing.new_secret(), signing.new_secret(), b"{}", int(time.time())
    header = signing.signature_header([new, old], now, body)
    assert header.count("v1=") == 2
    assert documented_verify()(old, header, body) and documented_verify()(new, header, body)


def test_secrets_are_long_and_unguessable():
    secrets = {signing.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(s.startswith("whsec_") and len(s) >= 40 for s in secrets)
