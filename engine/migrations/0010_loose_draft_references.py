"""Databases made before the engine stood alone (engine 0001-0009, designer 0001-0005) hold foreign
keys from engine_run.draft_id and designer_pipelineversion.draft_id to designer_draft, and content
types naming designer.workspace and designer.pipelineversion. The models now keep the draft as a
plain id (the designer clears it when a draft is deleted) and the engine owns both models: drop those
keys, keeping every row, and rename the content types (their permissions follow). A database made by
the squashed migrations has neither, and this does nothing to it."""
from django.db import migrations

LOOSE = (("Run", "draft_id"), ("PipelineVersion", "draft_id"))


def drop_draft_foreign_keys(apps, schema_editor):
    connection = schema_editor.connection
    for model_name, column in LOOSE:
        model = apps.get_model("engine", model_name)
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        names = [name for name, c in constraints.items() if c["foreign_key"] and c["columns"] == [column]]
        if not names:
            continue
        if connection.vendor == "sqlite":
            # SQLite cannot drop a constraint: the table is rebuilt from the model's state, rows copied
            schema_editor._remake_table(model)
        else:
            for name in names:
                schema_editor.execute(schema_editor._delete_fk_sql(model, name))


def content_types_to_engine(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("workspace", "pipelineversion"):
        if not ContentType.objects.filter(app_label="engine", model=model).exists():
            ContentType.objects.filter(app_label="designer", model=model).update(app_label="engine")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("engine", "0001_squashed_0009_engine_standalone"),
    ]

    operations = [
        migrations.RunPython(drop_draft_foreign_keys, migrations.RunPython.noop),
        migrations.RunPython(content_types_to_engine, migrations.RunPython.noop),
    ]
