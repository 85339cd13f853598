"""Number fragments ("5501", anywhere in the number) found through a trigram index on
PostgreSQL (`pg_trgm`); SQLite scans the small `phone_digits` index instead."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS dest_digits_trgm ON destinations_destination "
    "USING gin (phone_digits gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS dest_digits_trgm"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("destinations", "0005_campaigns")]

    operations = [migrations.RunPython(create, drop)]
