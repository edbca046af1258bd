"""The OpenAPI document describes what the API really does: one schema per name, and
every integer parameter bounded to what the databases hold."""

from __future__ import annotations

import collections
import json

import pytest
from ninja import Schema

from sarnakh.api import api
from sarnakh.core.storable import MAX_DB_INT

pytestmark = pytest.mark.django_db


def _schema_classes(base=Schema):
    for sub in base.__subclasses__():
        if sub.__module__.startswith("sarnakh."):
            yield sub
        yield from _schema_classes(sub)


def test_no_two_schemas_share_a_name():
    # two classes with one name become one OpenAPI component: the other operations were
    # described with the wrong schema (GET /scoring/models showed the predictive model)
    api.get_openapi_schema()  # every router is imported
    modules = collections.defaultdict(set)
    for cls in _schema_classes():
        modules[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: places for name, places in modules.items() if len(places) > 1} == {}


def test_the_documented_schemas_are_the_ones_answered(read_api):
    document = read_api.get("/api/v1/openapi.json").json()
    models = document["paths"]["/api/v1/scoring/models"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert models["items"]["$ref"].endswith("/ScoringModelOut")
    train = document["paths"]["/api/v1/scoring/predictive/train"]["post"]["responses"]["202"]["content"]["application/json"]["schema"]
    assert train["$ref"].endswith("/PredictiveRunOut")
    components = document["components"]["schemas"]
    assert "target_stage" in components["PredictiveRunOut"]["properties"]
    assert "versions" in components["ScoringModelDetailOut"]["properties"]


def test_every_integer_parameter_is_bounded_to_64_bits(read_api):
    document = read_api.get("/api/v1/openapi.json").json()
    unbounded = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                options = schema.get("anyOf", [schema])
                for option in options:
                    if option.get("type") == "integer" and not parameter["name"].endswith("limit") and parameter["name"] not in BOUNDED_IN_CODE:
                        if option.get("maximum", MAX_DB_INT + 1) > MAX_DB_INT:
                            unbounded.append(f"{method.upper()} {path} {parameter['name']}")
    assert unbounded == []


# Checked against a small range by the operation itself (422 naming them).
BOUNDED_IN_CODE = {"days", "events_limit", "buckets", "months"}


def test_the_document_has_no_duplicate_keys(read_api):
    # Swagger UI reads JSON with a YAML parser, which refuses a key twice ("422" and 422)
    def no_duplicates(pairs):
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    json.loads(read_api.get("/api/v1/openapi.json").content, object_pairs_hook=no_duplicates)
