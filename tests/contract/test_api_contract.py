"""The API's permanent contract test: schemathesis over the live OpenAPI document of a
server holding demo data, on whichever database the suite runs on (CI runs it on SQLite
and PostgreSQL). Every phase runs (examples, coverage, fuzzing, stateful) within a time
budget (SARNAKH_CONTRACT_SECONDS, 150 by default), with every check but one:

- no 5xx, answers match their documented schema, status code and content type;
- schema-violating requests are refused (negative_data_rejection), missing auth and
  read-only keys are refused, unsupported methods answer 405 with Allow, a deleted
  resource is gone and a created one can be read.

Left out: positive_data_acceptance, which expects a 2xx for any request the schema
allows. Sarnakh checks more than JSON Schema can say (an email must be deliverable, a
stage must exist, a phone must parse), and answers those with a documented 422.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sarnakh.capture.forms.services import form_create
from sarnakh.contacts.demo import load_demo
from sarnakh.contacts.models import Company, Contact, PropertyDefinition
from sarnakh.core.actor import Actor
from sarnakh.core.apikeys import apikey_create
from sarnakh.tracking.demo import load_tracking_demo
from sarnakh.tracking.models import Site
from sarnakh.webhooks import fast_send
from sarnakh.webhooks.delivery_services import webhook_send_test
from sarnakh.webhooks.models import Webhook, WebhookDelivery
from sarnakh.webhooks.services import webhook_create

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]

SECONDS = int(os.environ.get("SARNAKH_CONTRACT_SECONDS", "150"))
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Requests seen by the test server in a run's budget stay far below this; a hung request
# shows up as a failure instead of holding the run.
REQUEST_TIMEOUT = 30
# One worker: hypothesis describes its filters by parsing source, and CPython 3.11's parser
# is not safe across threads ("AST constructor recursion depth mismatch").


def _dictionary(name: str, values: list) -> str:
    items = ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in values)
    return f"[dictionaries.{name}]\nvalues = [{items}]\n"


def _config(path: Path) -> Path:
    """Half the time a path parameter takes an id that exists, so operations get past 404."""
    ids = {
        "contact_ids": list(Contact.objects.order_by("id").values_list("id", flat=True)[:20]),
        "company_ids": list(Company.objects.order_by("id").values_list("id", flat=True)[:10]),
        "site_ids": list(Site.objects.values_list("id", flat=True)),
        "webhook_ids": list(Webhook.objects.values_list("id", flat=True)),
        "delivery_ids": list(WebhookDelivery.objects.values_list("id", flat=True)),
        "definition_ids": list(PropertyDefinition.objects.values_list("id", flat=True)[:5]) or [1],
        "form_slugs": ["contact-us"],
        # stages and scoring models share the parameter name `key`
        "keys": ["lead", "mql", "customer", "default"],
    }
    bindings = {
        "contact_id": "contact_ids", "company_id": "company_ids", "site_id": "site_ids",
        "definition_id": "definition_ids", "slug": "form_slugs", "key": "keys",
        "webhook_id": "webhook_ids", "delivery_id": "delivery_ids",
    }
    text = "".join(_dictionary(name, values) for name, values in ids.items() if values)
    text += "[parameters]\n" + "".join(
        f'"path.{param}" = {{ dictionary = "{name}", probability = 0.5 }}\n' for param, name in bindings.items() if ids[name]
    )
    path.write_text(text)
    return path


def test_the_api_keeps_its_contract(live_server, tmp_path):
    # given a server with demo data and a write key
    load_demo(contacts=120, companies=20, seed=7, days=60)
    load_tracking_demo(seed=7, anonymous_visitors=50)
    form_create(
        data={"name": "Contact us", "slug": "contact-us", "fields": [{"name": "email", "label": "Email", "type": "email", "required": True, "property": "email"}]},
        actor=Actor.system("contract test"),
    )
    # A webhook whose host never resolves: its deliveries fail without leaving this machine.
    webhook_send_test(webhook_id=webhook_create(url="https://hooks.invalid/contract", events=["*"]).pk)
    key = apikey_create(name="contract", scope="write").raw_key
    config = _config(tmp_path / "schemathesis.toml")
    # when schemathesis runs every phase against the live OpenAPI document
    command = [
        str(SCHEMATHESIS), "--config-file", str(config), "run", f"{live_server.url}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {key}",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--phases", "examples,coverage,fuzzing,stateful", "--max-time", str(SECONDS),
        "--max-examples", "25", "--workers", "1", "--request-timeout", str(REQUEST_TIMEOUT),
        "--seed", os.environ.get("SARNAKH_CONTRACT_SEED", "1403"), "--no-color",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS * 3 + 120, cwd=tmp_path)
    fast_send.wait_idle(timeout=30)  # webhook sends the run started end before the database is flushed
    # then no operation failed a check
    report = run.stdout[-20000:] + run.stderr[-5000:]
    assert run.returncode == 0, report
    assert "79/79" in report or "Selected:" in report
