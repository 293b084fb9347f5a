"""Move evidence files' bytes from a directory (EVIDENCE_ROOT by default) into the database."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessment.evidence_store import evidence_load_file
from assessment.models import EvidenceFile


class Command(BaseCommand):
    help = (
        "Store in the database the bytes of every evidence file that has none there yet, read "
        "from a directory of files named by their stored_name (EVIDENCE_ROOT, where versions "
        "before the database storage kept them, or a directory from export_assessment "
        "--evidence-dir). Each file is checked against the SHA-256 recorded at upload, and read "
        "back once stored. Run it as often as you like: files already stored are skipped. The "
        "directory is only read; delete it yourself once this reports nothing missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="source",
            type=Path,
            help="the directory to read (default: EVIDENCE_ROOT)",
        )

    def handle(self, *args: Any, source: Path | None, **options: Any) -> None:
        directory = Path(source or settings.EVIDENCE_ROOT)
        outcomes: Counter[str] = Counter()
        problems: list[str] = []
        for record in EvidenceFile.objects.order_by("pk").iterator():
            outcome = evidence_load_file(record=record, path=directory / record.stored_name)
            outcomes[outcome] += 1
            if outcome in ("missing", "differs"):
                problems.append(f"  {outcome}: {record.stored_name}  ({record.original_name})")
        self.stdout.write(
            f"{outcomes['stored']} stored, {outcomes['already stored']} already stored, "
            f"{outcomes['missing']} missing from {directory}, "
            f"{outcomes['differs']} not matching their recorded SHA-256 (not stored)."
        )
        if problems:
            raise CommandError(
                "Some evidence files have no bytes in the database yet:\n" + "\n".join(problems)
            )
