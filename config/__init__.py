# The Celery app is loaded with Django, so that @shared_task functions bind to it and a task
# queued from a web request goes to the configured broker.
from .celery import app as celery_app

__all__ = ("celery_app",)
