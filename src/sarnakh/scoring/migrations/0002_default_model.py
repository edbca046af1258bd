"""The shipped scoring model (engine.defaults) as version 1, and the four BANT properties.

BANT answers are yes/no contact properties (`bant_budget`, …): forms map a question to
them, sales tick them, imports accept yes/no/بله/خیر, and the default model's fit rules
read them as `bant.budget` … with the `is_yes` operator. Labels are English and marked
for the catalogue; admins may rename them.
"""

from django.db import migrations
from django.utils import timezone

BANT_PROPERTIES = [
    ("bant_budget", "BANT: budget", "Has a budget for a solution like ours."),
    ("bant_authority", "BANT: authority", "Decides, or directly influences, the purchase."),
    ("bant_need", "BANT: need", "Has the problem we solve."),
    ("bant_timeline", "BANT: timeline", "Plans to buy within the next few months."),
]


def create_defaults(apps, schema_editor):
    from sarnakh.scoring.engine.defaults import DEFAULT_MODEL_KEY, default_model

    now = timezone.now()
    PropertyDefinition = apps.get_model("contacts", "PropertyDefinition")
    for key, label, help_text in BANT_PROPERTIES:
        PropertyDefinition.objects.get_or_create(
            object_type="contact", key=key, defaults={"label": label, "type": "boolean", "help_text": help_text, "created_at": now}
        )
    ScoringModel = apps.get_model("scoring", "ScoringModel")
    ScoringModelVersion = apps.get_model("scoring", "ScoringModelVersion")
    if ScoringModel.objects.filter(key=DEFAULT_MODEL_KEY).exists():
        return
    spec = default_model().to_dict()
    model = ScoringModel.objects.create(
        key=DEFAULT_MODEL_KEY, name=spec["name"], is_default=not ScoringModel.objects.filter(is_default=True).exists(),
        is_active=True, created_at=now,
    )
    version = ScoringModelVersion.objects.create(model=model, number=1, spec=spec, created_at=now, note="Shipped default model")
    model.current_version = version
    model.save(update_fields=["current_version"])


def remove_defaults(apps, schema_editor):
    apps.get_model("scoring", "ScoringModel").objects.filter(key="default").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0001_initial"),
        ("contacts", "0005_alter_activity_kind_alter_contact_channel"),
    ]
    operations = [migrations.RunPython(create_defaults, remove_defaults)]
