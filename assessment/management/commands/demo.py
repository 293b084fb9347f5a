from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import get_language_info

from assessment.demo import COUNTRIES, CYCLES, DEMO_PASSWORD, create_demo


def _language(code: str) -> str:
    """ "Arabic (العربيّة)", or the browser's for an account without a language of its own."""
    if not code:
        return "the browser's"
    info = get_language_info(code)
    return f"{info['name']} ({info['name_local']})" if code != "en" else str(info["name"])


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
        self.stdout.write(
            "Each country's team signs in to its working language (switch it in the header); "
            "the secretariat's accounts follow the browser."
        )
        self.stdout.write(f"  {'username':34} {'role':24} {'country':18} interface language")
        for username, role, country, language in logins:
            self.stdout.write(f"  {username:34} {role:24} {country:18} {_language(language)}")
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
