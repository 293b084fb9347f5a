"""python manage.py import_legislation FILE.csv --source "NAME" --year YYYY"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from secretariat.reviews import importer as li


class Command(BaseCommand):
    help = (
        "Import a published legislative review (one row per country: a country column and the "
        "five criteria) from a CSV file. All or nothing: any bad row rejects the whole file. "
        "Importing the same source and year again replaces the earlier import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8).")
        parser.add_argument("--source", required=True, help='Who published it, e.g. "ICMEC".')
        parser.add_argument(
            "--year", required=True, type=int, help="The year of the edition, e.g. 2018."
        )

    def handle(self, *args: Any, file: Path, source: str, year: int, **options: Any) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None
        try:
            parsed = li.parse(li.decode(data), source=source, year=year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        except li.ImportRejected as rejected:
            lines = "\n".join(str(e) for e in rejected.errors)
            raise CommandError(
                f"{file} was rejected; nothing was stored. Problems:\n{lines}"
            ) from None
        previous = li.existing_review(parsed.source, parsed.year)
        review = li.store(parsed, None)
        replaced = (
            f", replacing the {previous.entry_count} countries imported before"  # type: ignore[attr-defined]
            if previous
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(parsed.rows)} countries from {review.source} ({review.year})"
                f"{replaced}."
            )
        )
