"""Seed the national skill levels and the default certification rules."""

from django.db import migrations

from certificates.defaults import configuration_ensure

def seed(apps, schema_editor):
    configuration_ensure(
        apps.get_model("certificates", "SkillLevel"),
        apps.get_model("certificates", "CertificationSettings"),
    )


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
