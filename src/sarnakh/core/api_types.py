"""Types shared by every API router, so what the OpenAPI document promises is what the
operations accept: ids are positive 64-bit integers on every database, dates are written
as dates, and JSON bodies are read with JSON's types (no "1" for 1, no 0 for false)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from sarnakh.core.storable import MAX_DB_INT

DbId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
# A paging offset: a row count, bounded like an id so no database overflows on it.
Offset = Annotated[int, Field(ge=0, le=MAX_DB_INT)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_text(value: Any) -> Any:
    # Lax parsing would read "0" as a Unix time (1970-01-01); the API documents YYYY-MM-DD.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", str(_("Use a date written YYYY-MM-DD.")))
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_date_text)]


class InputSchema(Schema):
    """A JSON request body: each field takes the JSON type it documents, nothing coerced."""

    model_config = ConfigDict(strict=True)
