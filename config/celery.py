"""The Celery application: the background worker and its scheduler (beat).

    celery -A config worker --beat    # one process for both (small deployments, tests)
    celery -A config worker           # and, separately, `celery -A config beat`

Settings are the CELERY_* names in config/settings.py. Tasks only trigger work whose state is
in the database (the outbox, reminder records, export rows), so a lost task is found again by the
scheduler's next tick.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mnr")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
