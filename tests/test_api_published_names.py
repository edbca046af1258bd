"""Names clients build on: every operation id and schema name the API has published stays.

Client generators name methods after operation ids and types after component names, and
django-ninja derives an operation id from its router module's path, so moving a router
module would rename its operations (core.api.SarnakhAPI keeps them via PUBLISHED_AS).
New operations are welcome; add them to tests/openapi_published.json once released.
"""

import json
from pathlib import Path

PUBLISHED = json.loads((Path(__file__).parent / "openapi_published.json").read_text())


def test_every_published_operation_id_and_schema_name_is_still_there(read_api):
    # given the OpenAPI document the API serves
    document = read_api.get("/api/v1/openapi.json").json()
    # when its operation ids and component names are listed
    operation_ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    components = set(document["components"]["schemas"])
    # then none that was published is gone or renamed
    assert sorted(set(PUBLISHED["operation_ids"]) - operation_ids) == []
    assert sorted(set(PUBLISHED["components"]) - components) == []
