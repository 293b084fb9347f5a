"""Create a Country row for every ISO 3166-1 country, with its UN M49 region and the report's
Global North / South group. Re-running `manage.py sync_countries` later picks up library updates."""

from django.db import migrations


def load(apps, schema_editor):
    from assessment.countries import sync_countries

    sync_countries(apps.get_model("assessment", "Country"))


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
