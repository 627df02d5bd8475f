"""A covering index for candidate search on PostgreSQL: (term, index) INCLUDE (person_id).

Candidate search (matching.candidates) reads, for each of a person's ~30 terms, the person
ids carrying it and counts a term's rows up to a cap. With person_id in the index both are
index-only scans; the plain (term, index) index of cases fetches every posting's table row,
which at a million persons is most of a query's time. The table belongs to cases, so the
index is created here with SQL and the model state is left alone (makemigrations stays
clean). CONCURRENTLY: building it on a large live table does not block writes. Other
databases (SQLite in tests) have no INCLUDE and get nothing.
"""

from typing import Any

from django.db import migrations

INDEX = "matching_searchterm_cover"


def create_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON cases_personsearchterm (term, "index") '
            "INCLUDE (person_id)"
        )


def drop_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("matching", "0001_initial"),
        ("cases", "0003_case_list_order_index"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
