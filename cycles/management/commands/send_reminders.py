from typing import Any

from django.core.management.base import BaseCommand

from cycles.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Send the reminders due now (the scheduler does this every hour; safe to run any time: "
        "no reminder goes twice and nobody gets two a day)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_due_reminders()
        self.stdout.write(f"Reminders queued: {sent}.")
