from typing import Any

from django.core.management.base import BaseCommand

from assessment.countries import sync_countries
from assessment.models import Country


class Command(BaseCommand):
    help = "Create or update every ISO 3166-1 country with its UN M49 region (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = sync_countries(Country)
        self.stdout.write(f"{count} countries")
