"""Parameter types shared by every API router, so bounds are declared (and documented in
the OpenAPI) once: an id is a positive 64-bit integer on every database."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sarnakh.core.storable import MAX_DB_INT

DbId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]

