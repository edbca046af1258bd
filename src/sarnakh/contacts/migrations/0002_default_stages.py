from django.db import migrations

# Names are English here and translated at display time (LifecycleStage.display_name).
DEFAULT_STAGES = [
    ("subscriber", "Subscriber", 10, "tofu", "funnel"),
    ("lead", "Lead", 20, "tofu", "funnel"),
    ("mql", "Marketing qualified lead", 30, "mofu", "funnel"),
    ("sql", "Sales qualified lead", 40, "mofu", "funnel"),
    ("opportunity", "Opportunity", 50, "bofu", "funnel"),
    ("customer", "Customer", 60, "bofu", "funnel"),
    ("recycled", "Recycled", 70, "none", "side"),
    ("disqualified", "Disqualified", 80, "none", "side"),
    ("cold", "Cold", 90, "none", "side"),
]


def create_stages(apps, schema_editor):
    LifecycleStage = apps.get_model("contacts", "LifecycleStage")
    for key, name, order, funnel, kind in DEFAULT_STAGES:
        LifecycleStage.objects.get_or_create(key=key, defaults={"name": name, "order": order, "funnel": funnel, "kind": kind})


def remove_stages(apps, schema_editor):
    apps.get_model("contacts", "LifecycleStage").objects.filter(key__in=[s[0] for s in DEFAULT_STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(create_stages, remove_stages)]
