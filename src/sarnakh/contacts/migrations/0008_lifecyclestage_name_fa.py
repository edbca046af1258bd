from django.db import migrations, models

# The Persian names of the shipped stages (the catalogue's translations of their English
# names); a stage whose English name an admin changed keeps an empty Persian name.
SHIPPED_PERSIAN = {
    ("subscriber", "Subscriber"): "مشترک",
    ("lead", "Lead"): "سرنخ",
    ("mql", "Marketing qualified lead"): "سرنخ واجد شرایط بازاریابی (MQL)",
    ("sql", "Sales qualified lead"): "سرنخ واجد شرایط فروش (SQL)",
    ("opportunity", "Opportunity"): "فرصت فروش",
    ("customer", "Customer"): "مشتری",
    ("recycled", "Recycled"): "بازگردانده‌شده",
    ("disqualified", "Disqualified"): "ردشده",
    ("cold", "Cold"): "سرد",
}


def name_shipped_stages_in_persian(apps, schema_editor):
    LifecycleStage = apps.get_model("contacts", "LifecycleStage")
    for (key, english), persian in SHIPPED_PERSIAN.items():
        LifecycleStage.objects.filter(key=key, name=english, name_fa="").update(name_fa=persian)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_contact_created_index")]
    operations = [
        migrations.AddField(
            model_name="lifecyclestage",
            name="name_fa",
            field=models.CharField(blank=True, default="", max_length=80, verbose_name="Persian name"),
        ),
        migrations.RunPython(name_shipped_stages_in_persian, migrations.RunPython.noop),
    ]
