"""Append-only triggers on the audit tables, and the chain head row."""

from django.db import migrations

from audit.guards import install_statements, uninstall_statements


def install(apps, schema_editor):
    for sql in install_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    for sql in uninstall_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def create_head(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.using(schema_editor.connection.alias).get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
