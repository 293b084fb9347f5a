from django.apps import AppConfig


class CyclesConfig(AppConfig):
    name = "cycles"
    default_auto_field = "django.db.models.BigAutoField"
