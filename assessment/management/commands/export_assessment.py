import json
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessment.evidence_store import evidence_pieces
from assessment.models import Assessment
from assessment.portable import export_assessment


def dumps(document: dict[str, Any]) -> str:
    """The export as a file: pretty, UTF-8, keys sorted, so the same data gives the same bytes."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _plain(message: str) -> str:
    """Write a summary on standard error without the error colour."""
    return message


class Command(BaseCommand):
    help = (
        "Write one assessment (answers, evidence file metadata, comments, assignments, targets, "
        "action plan and history) as JSON, for import_assessment. Name it by its UUID, or by "
        "--country and --cycle (and --revision; the latest revision by default). The evidence "
        "files' contents are not in the JSON: --evidence-dir writes them beside it, for "
        "evidence_to_database --from on the other server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("uuid", nargs="?", help="the assessment's UUID")
        parser.add_argument("--country", help="country code, e.g. KE")
        parser.add_argument("--cycle", type=int, help="cycle year, e.g. 2026")
        parser.add_argument(
            "--revision", type=int, help="revision number (default: the latest of the cycle)"
        )
        parser.add_argument(
            "--output", "-o", type=Path, help="write to this file (default: standard output)"
        )
        parser.add_argument(
            "--evidence-dir",
            type=Path,
            help="write the evidence files' contents into this directory, named by stored_name",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        assessment = self._find(options)
        document = export_assessment(assessment)
        text = dumps(document)
        output = Path(options["output"]) if options["output"] else None
        if output is None:
            self.stdout.write(text, ending="")
            report = self.stderr
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc}") from exc
            report = self.stdout
        counts = ", ".join(
            f"{len(document[key])} {label}"
            for key, label in (
                ("capability_answers", "capability answers"),
                ("indicator_answers", "indicator answers"),
                ("criterion_answers", "criterion answers"),
                ("comments", "comments"),
                ("evidence_files", "evidence files"),
                ("actions", "actions"),
                ("history", "history events"),
            )
        )
        where = f" to {output}" if output else ""
        report.write(f"Exported {assessment} ({assessment.uuid}){where}: {counts}.", _plain)
        files = document["evidence_files"]
        directory = options["evidence_dir"]
        if files and directory:
            written = self._write_evidence(assessment, Path(directory))
            report.write(
                f"Wrote the contents of {written} evidence files to {directory}; on the other "
                f"server, after import_assessment: evidence_to_database --from {directory}",
                _plain,
            )
        elif files:
            report.write(
                f"The contents of the {len(files)} evidence files are NOT in the export; "
                "write them with --evidence-dir DIRECTORY. The files:",
                _plain,
            )
            for f in files:
                report.write(f"  {f['stored_name']}  ({f['original_name']})", _plain)

    def _write_evidence(self, assessment: Assessment, directory: Path) -> int:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            records = list(assessment.evidence_files.all())
            for record in records:
                with (directory / record.stored_name).open("wb") as out:
                    for piece in evidence_pieces(record):
                        out.write(piece)
        except OSError as exc:
            raise CommandError(f"Cannot write the evidence files to {directory}: {exc}") from exc
        return len(records)

    def _find(self, options: dict[str, Any]) -> Assessment:
        given, country, cycle, revision = (
            options["uuid"],
            options["country"],
            options["cycle"],
            options["revision"],
        )
        if given:
            if country or cycle or revision:
                raise CommandError("Give either the assessment's UUID or --country and --cycle.")
            try:
                key = uuid.UUID(given)
            except ValueError:
                raise CommandError(f"{given!r} is not a UUID.") from None
            found = Assessment.objects.filter(uuid=key).first()
            if found is None:
                raise CommandError(f"No assessment has the UUID {key}.")
            return found
        if not country or not cycle:
            raise CommandError(
                "Name the assessment: its UUID, or --country XX --cycle YYYY [--revision N]."
            )
        matches = Assessment.objects.filter(country=country.upper(), cycle=cycle)
        if revision is not None:
            matches = matches.filter(revision=revision)
        found = matches.order_by("-revision").first()
        if found is None:
            which = f" revision {revision}" if revision is not None else ""
            raise CommandError(f"No assessment for {country.upper()} {cycle}{which}.")
        return found
