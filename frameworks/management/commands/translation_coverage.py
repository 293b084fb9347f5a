"""Print how much of the interface and of the framework texts is translated, per language.

The framework texts are counted from the framework files themselves (current and archived), not
from the catalogues' entries: a text that a file contains and no catalogue translates (because
it is new, or its English was corrected since it was translated, which makes it another key) is
missing, and so is one whose only translation is fuzzy. Counting catalogue entries would miss
both until someone re-extracted the catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frameworks.i18n import locale_dir
from frameworks.management.commands.framework_messages import (
    closest_previous,
    framework_texts,
    shipped_files,
)


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


@dataclass(frozen=True)
class Missing:
    lang: str
    files: tuple[str, ...]
    text: str
    why: str

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 90 else self.text[:89] + "…"
        return f"{self.lang}: {', '.join(self.files)}: {self.why}: {text!r}"


def framework_gaps(lang: str, paths: list[Path]) -> tuple[int, list[Missing]]:
    """(texts, missing translations) of the framework files at `paths` in `lang`, read as the
    app reads them at run time (frameworks/i18n.py: non-empty, not fuzzy)."""
    entries: dict[str, polib.POEntry] = {}
    for path in sorted((locale_dir() / lang).glob("*.po")):
        for entry in polib.pofile(str(path)):
            entries.setdefault(entry.msgid, entry)
    translated = {m: e for m, e in entries.items() if e.msgstr and not e.fuzzy}
    total = 0
    missing: list[Missing] = []
    for by_text in framework_texts(paths).values():
        for text, files in by_text.items():
            total += 1
            if text in translated:
                continue
            found = entries.get(text)
            if found is not None and found.fuzzy:
                why = "fuzzy translation"
            elif closest_previous(text, translated) is not None:
                why = "English changed since it was translated"
            else:
                why = "no translation"
            missing.append(Missing(lang, tuple(files), text, why))
    return total, missing


def rows() -> tuple[list[tuple[str, str, int, int]], list[Missing]]:
    out = []
    all_missing: list[Missing] = []
    shipped = shipped_files()
    for lang, _name in settings.LANGUAGES:
        if lang == settings.LANGUAGE_CODE:
            continue
        # The project's catalogue, and those makemessages keeps in an app's own locale/.
        interface = [Path(settings.LOCALE_PATHS[0]) / lang / "LC_MESSAGES" / "django.po"]
        interface += sorted(Path(settings.BASE_DIR).glob(f"*/locale/{lang}/LC_MESSAGES/django.po"))
        existing = [p for p in interface if p.exists()]
        done, total = coverage(existing)
        if not existing:
            total = 1  # no catalogue at all: 0 %
        out.append((lang, "interface", done, total))
        total, missing = framework_gaps(lang, shipped)
        out.append((lang, "frameworks", total - len(missing), total))
        all_missing += missing
    return out, all_missing


class Command(BaseCommand):
    help = (
        "Print the share of interface and framework texts translated in each language; the "
        "framework texts are those the framework files contain, current and archived."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fail-under", type=float, default=None, help="exit with an error below this %"
        )

    def handle(self, *args: Any, fail_under: float | None, **options: Any) -> None:
        below = []
        table, missing = rows()
        self.stdout.write(f"{'language':10}{'texts':12}{'translated':>12}{'total':>8}{'%':>8}")
        for lang, part, done, total in table:
            share = 100.0 * done / total if total else 100.0
            self.stdout.write(f"{lang:10}{part:12}{done:>12}{total:>8}{share:>8.1f}")
            if fail_under is not None and share < fail_under:
                below.append(f"{lang} {part}")
        if missing:
            self.stdout.write("Framework texts without a translation:")
            for m in missing:
                self.stdout.write(f"  {m}")
        if below:
            raise CommandError(
                f"Below {fail_under:g} %: "
                + ", ".join(below)
                + (
                    ". Run `manage.py framework_messages` and translate the empty and fuzzy "
                    "entries of frameworks/locale/<language>/<framework>.po."
                    if missing
                    else ""
                )
            )
