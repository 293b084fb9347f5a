from django.db import migrations


class Migration(migrations.Migration):
    """The peers' stamp is now the write stamp: the secretariat's comparison keeps what it
    reads under it too, and stored scores and framework versions replace it as well."""

    dependencies = [
        ("assessment", "0012_peers_stamp"),
    ]

    operations = [
        migrations.RenameModel("PeersStamp", "WriteStamp"),
    ]
