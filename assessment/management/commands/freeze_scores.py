"""Store the scores of every submitted or validated assessment that has none (run once after
the upgrade that added frozen scores; running it again does nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from assessment import frozen


class Command(BaseCommand):
    help = "Freeze the scores of submitted and validated assessments that have none stored."

    def handle(self, *args: Any, **options: Any) -> None:
        count = frozen.freeze_all()
        self.stdout.write(f"Froze the scores of {count} assessment(s).")
