"""Print how much of the interface and of the framework texts is translated, per language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frameworks.i18n import locale_dir


def coverage(paths: list[Path]) -> tuple[int, int]:
    """(translated, total) over the live entries of the catalogues: fuzzy or empty entries are
    not translated; a missing file counts as nothing translated of nothing."""
    done = total = 0
    for path in paths:
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            total += 1
            done += entry.translated() and not entry.fuzzy
    return done, total


def rows() -> list[tuple[str, str, int, int]]:
    out = []
    for lang, _name in settings.LANGUAGES:
        if lang == settings.LANGUAGE_CODE:
            continue
        # The project's catalogue, and those makemessages keeps in an app's own locale/.
        interface = [Path(settings.LOCALE_PATHS[0]) / lang / "LC_MESSAGES" / "django.po"]
        interface += sorted(Path(settings.BASE_DIR).glob(f"*/locale/{lang}/LC_MESSAGES/django.po"))
        frameworks = sorted((locale_dir() / lang).glob("*.po"))
        for part, paths in (("interface", interface), ("frameworks", frameworks)):
            existing = [p for p in paths if p.exists()]
            done, total = coverage(existing)
            if not existing:
                total = 1  # no catalogue at all: 0 %
            out.append((lang, part, done, total))
    return out


class Command(BaseCommand):
    help = "Print the share of interface and framework texts translated in each language."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fail-under", type=float, default=None, help="exit with an error below this %"
        )

    def handle(self, *args: Any, fail_under: float | None, **options: Any) -> None:
        below = []
        self.stdout.write(f"{'language':10}{'texts':12}{'translated':>12}{'total':>8}{'%':>8}")
        for lang, part, done, total in rows():
            share = 100.0 * done / total if total else 100.0
            self.stdout.write(f"{lang:10}{part:12}{done:>12}{total:>8}{share:>8.1f}")
            if fail_under is not None and share < fail_under:
                below.append(f"{lang} {part}")
        if below:
            raise CommandError(f"Below {fail_under:g} %: " + ", ".join(below))
