import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction

from assessment.evidence_store import evidence_stored
from assessment.portable import PortableError, import_assessment


class Command(BaseCommand):
    help = (
        "Read one assessment written by export_assessment into this database, all of it or "
        "nothing. The database must have the same framework versions loaded and must not hold "
        "the assessment already. Users it does not know are created inactive, without a usable "
        "password. Evidence files' contents are not in the export: write them with "
        "export_assessment --evidence-dir, then store them here with evidence_to_database --from."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file from export_assessment ('-' for stdin)")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        data = self._read(file)
        User = get_user_model()
        wanted: list[str] = [row["username"] for row in _users(data)]  # _users: str names only
        before = set(
            User._default_manager.filter(**{f"{User.USERNAME_FIELD}__in": wanted}).values_list(
                User.USERNAME_FIELD, flat=True
            )
        )
        try:
            with transaction.atomic():
                assessment = import_assessment(data)
        except PortableError as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        except DatabaseError as exc:
            raise CommandError(f"Nothing was imported: the database refused a row: {exc}") from exc
        self.stdout.write(f"Imported {assessment} ({assessment.uuid}, {assessment.status}).")
        new_users = sorted(name for name in wanted if name not in before)
        if new_users:
            self.stdout.write(
                f"Created {len(new_users)} users, inactive and without a usable password "
                f"(activate them and set a password in /admin/ if they need to sign in): "
                + ", ".join(new_users)
            )
        files = list(assessment.evidence_files.all())
        missing = [f for f in files if not evidence_stored(f)]
        if missing:
            self.stdout.write(
                f"{len(missing)} of {len(files)} evidence files have no contents here yet (the "
                "export holds only their metadata): copy the directory that export_assessment "
                "--evidence-dir wrote, then run evidence_to_database --from DIRECTORY:"
            )
            for f in missing:
                self.stdout.write(f"  {f.stored_name}  ({f.original_name})")

    def _read(self, file: str) -> dict[str, Any]:
        try:
            if file == "-":
                text = sys.stdin.read()
            else:
                text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"Nothing was imported: {file} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError(
                f"Nothing was imported: {file} is not an MNR assessment export (not a JSON object)."
            )
        return data


def _users(data: dict[str, Any]) -> list[dict[str, Any]]:
    users = data.get("users")
    if not isinstance(users, list):
        return []
    return [row for row in users if isinstance(row, dict) and isinstance(row.get("username"), str)]
