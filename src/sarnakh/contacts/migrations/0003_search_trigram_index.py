"""Trigram indexes for the free-text search (PostgreSQL only).

Search is `search_text LIKE '%term%'` for every typed term. Without an index, a term that
matches few rows makes PostgreSQL walk the whole table (measured 50–90 ms at 100,000
contacts, see docs/benchmarks.md); a pg_trgm GIN index answers those in a few ms.
SQLite has no such index and stays within the target by scanning.
"""

from django.db import migrations

INDEXES = [
    ("contact_search_trgm", "contacts_contact"),
    ("company_search_trgm", "contacts_company"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_text gin_trgm_ops)")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_default_stages")]
    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
