from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessment.demo import COUNTRIES, CYCLES, DEMO_PASSWORD, create_demo


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
        from cycles.demo import demo_cycle_create

        cycle = demo_cycle_create(
            year=CYCLES[-1],
            codes=[c.code for c in COUNTRIES],
            languages={c.code: c.language for c in COUNTRIES},
        )
        self.stdout.write(
            f"Cycle {cycle.year} is open for the four demo members, deadline {cycle.deadline} "
            "(Dunmark's extended): the board is under Cycles. The reminders due now go out "
            "with `python manage.py send_reminders` (printed here, as every email of the demo)."
        )
