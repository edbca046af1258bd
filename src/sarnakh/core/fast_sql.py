"""Bulk INSERT/UPDATE of plain rows for the import's batch writer.

Django's bulk_create/bulk_update compile every value through expressions, which costs
more than the database work at import volumes. These write tuples straight through the
connection: COPY on PostgreSQL (with ids taken from the sequence first when the caller
needs them), executemany on SQLite (with ids allocated under the write lock the batch
already holds). Statements have a fixed shape, so SQLite's statement cache stays small. Values are converted per
field type once (datetimes via the backend's adapter, JSON via json.dumps).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

INSERT_CHUNK_PARAMS = 30_000  # under SQLite's default limit of 32,766 variables


def _converter(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda v: None if v is None else adapt(v)
    if isinstance(field, models.JSONField):
        return lambda v: json.dumps(v, ensure_ascii=False)
    return lambda v: v


def _columns(model: type[models.Model], names: Sequence[str]) -> tuple[list[models.Field], str]:
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    return fields, ", ".join(quote(f.column) for f in fields)


def _placeholders(fields: list[models.Field]) -> str:
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    return "(" + ", ".join("%s" + json_cast if isinstance(f, models.JSONField) else "%s" for f in fields) + ")"


def values_of(obj: models.Model, names: Sequence[str]) -> tuple:
    return tuple(getattr(obj, obj._meta.get_field(name).attname) for name in names)


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple], *, returning_ids: bool = False) -> list[int]:
    """Inserts `rows` (tuples in the order of `names`; foreign keys as ids). Returns the
    new ids in row order when asked."""
    if not rows:
        return []
    fields, columns = _columns(model, names)
    converters = [_converter(f) for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    converted = [tuple(c(v) for c, v in zip(converters, row, strict=True)) for row in rows]
    # COPY goes to the driver's cursor directly: wrap its errors as Django's (IntegrityError…).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        if returning_ids and connection.vendor == "postgresql":
            # Take the ids from the table's sequence, then COPY with them: much faster
            # than INSERT … RETURNING for thousands of rows.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, len(converted)],
            )
            ids = sorted(r[0] for r in cursor.fetchall())
            pk = connection.ops.quote_name(model._meta.pk.column)
            with cursor.cursor.copy(f"COPY {table} ({pk}, {columns}) FROM STDIN") as copy:
                for pk_value, row in zip(ids, converted, strict=True):
                    copy.write_row((pk_value, *row))
            return ids
        if returning_ids and connection.vendor == "sqlite":
            # The batch's transaction holds SQLite's write lock (BEGIN IMMEDIATE), so the
            # next ids are ours: past both the largest id and AUTOINCREMENT's high-water mark.
            cursor.execute(f"SELECT MAX({connection.ops.quote_name(model._meta.pk.column)}) FROM {table}")
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
            seq = cursor.fetchone()
            first = max(top, seq[0] if seq else 0) + 1
            ids = list(range(first, first + len(converted)))
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.executemany(
                f"INSERT INTO {table} ({pk}, {columns}) VALUES (%s, {_placeholders(fields)[1:]}",
                [(pk_value, *row) for pk_value, row in zip(ids, converted, strict=True)],
            )
            return ids
        if not returning_ids:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in converted:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {_placeholders(fields)}", converted)
            return []
        ids: list[int] = []
        per_chunk = max(1, INSERT_CHUNK_PARAMS // len(fields))
        one = _placeholders(fields)
        pk = connection.ops.quote_name(model._meta.pk.column)
        for start in range(0, len(converted), per_chunk):
            chunk = converted[start:start + per_chunk]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))} RETURNING {pk}"
            cursor.execute(sql, [v for row in chunk for v in row])
            ids.extend(r[0] for r in cursor.fetchall())
        return ids


def update_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple]) -> None:
    """UPDATE … SET names WHERE pk; each row is (*values, pk)."""
    if not rows:
        return
    fields, _columns_sql = _columns(model, names)
    converters = [_converter(f) for f in fields]
    quote = connection.ops.quote_name
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    assignments = ", ".join(f"{quote(f.column)} = %s{json_cast if isinstance(f, models.JSONField) else ''}" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    converted = [tuple(c(v) for c, v in zip(converters, row[:-1], strict=True)) + (row[-1],) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, converted)
