"""For migrations that move a model to another app with its table (SeparateDatabaseAndState)."""

from django.db import migrations


def rename_content_types(moves: list[tuple[str, str, str]]) -> migrations.RunPython:
    """Rename the content type of each (old app, new app, model) instead of letting a new one be
    made: audit entries and permissions point at its id, and keep resolving."""

    def forward(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for old_app, new_app, model in moves:
            if not ContentType.objects.filter(app_label=new_app, model=model).exists():
                ContentType.objects.filter(app_label=old_app, model=model).update(app_label=new_app)

    def backward(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for old_app, new_app, model in moves:
            if not ContentType.objects.filter(app_label=old_app, model=model).exists():
                ContentType.objects.filter(app_label=new_app, model=model).update(app_label=old_app)

    return migrations.RunPython(forward, backward)
