"""Apply the corrected Global North / South classes (territories follow their state, each open
judgement written in assessment/data/global_north_south.yaml) to the countries already stored.
A new database gets them from 0002 already; this brings an existing one to the same."""

from django.db import migrations


def resync(apps, schema_editor):
    from assessment.countries import sync_countries

    sync_countries(apps.get_model("assessment", "Country"))


class Migration(migrations.Migration):
    dependencies = [("assessment", "0007_assessment_language")]
    operations = [migrations.RunPython(resync, migrations.RunPython.noop)]
