"""Reading a request body as strict JSON: RFC 8259 in UTF-8 (a leading byte-order mark is
tolerated), no NaN or Infinity. Shared by the API's parser and the events endpoint,
which reads its body itself."""

from __future__ import annotations

import json
import math
from typing import Any

from django.utils.translation import gettext as _


class InvalidBody(ValueError):
    """A request body that is not UTF-8 JSON; the message says what is wrong."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidBody(_("Numbers must be finite."))
    return value


def _no_constants(name: str):
    raise InvalidBody(_("%(name)s is not a JSON value.") % {"name": name})


def loads_strict(body: bytes) -> Any:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidBody(_("The request body is not UTF-8 text; send JSON encoded as UTF-8.")) from None
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_no_constants)
    except InvalidBody:
        raise
    except RecursionError:
        raise InvalidBody(_("The JSON is nested too deeply.")) from None
    except ValueError as exc:  # JSONDecodeError, and integers past Python's digit limit
        raise InvalidBody(_("The request body is not valid JSON: %(detail)s") % {"detail": exc}) from None
