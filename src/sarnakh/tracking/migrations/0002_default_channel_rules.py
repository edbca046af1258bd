from django.db import migrations


def add_defaults(apps, schema_editor):
    from sarnakh.tracking.channels import DEFAULT_RULES

    ChannelRule = apps.get_model("tracking", "ChannelRule")
    TrackingSettings = apps.get_model("tracking", "TrackingSettings")
    if not ChannelRule.objects.exists():
        ChannelRule.objects.bulk_create(
            ChannelRule(position=(i + 1) * 10, field=r.field, pattern=r.pattern, channel=r.channel)
            for i, r in enumerate(DEFAULT_RULES)
        )
    if not TrackingSettings.objects.exists():
        TrackingSettings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("tracking", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
