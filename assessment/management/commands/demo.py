from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessment.demo import DEMO_PASSWORD, create_demo


class Command(BaseCommand):
    help = (
        "Create fictional demonstration countries (XA-XD) with seeded answers over two cycles, "
        "and demo accounts. Re-running replaces the previous demo data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="run even with DEBUG off (never on a server holding real assessments)",
        )

    def handle(self, *args: Any, allow_production: bool, **options: Any) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to create demo accounts with DEBUG off.")
        logins = create_demo()
        self.stdout.write("Demonstration data created. Every demo country is fictional.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, country in logins:
            self.stdout.write(f"  {username:34} {role:24} {country}")
