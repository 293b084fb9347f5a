"""Write the framework texts' translation catalogues (frameworks/locale/<lang>/<slug>.po)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from frameworks.i18n import locale_dir, texts_of
from frameworks.loader import read_file


def framework_texts(paths: list[Path]) -> dict[str, dict[str, list[str]]]:
    """slug -> English text -> the files it comes from, over every file given."""
    found: dict[str, dict[str, list[str]]] = {}
    for path in paths:
        f, problems = read_file(path)
        if f is None:
            raise ValueError(f"{path}: {problems}")
        texts = found.setdefault(f.slug, {})
        for text in texts_of(f.doc):
            texts.setdefault(text, [])
            if path.name not in texts[text]:
                texts[text].append(path.name)
    return found


def shipped_files() -> list[Path]:
    """The current framework files and the archived earlier versions (databases may hold
    assessments pinned to them)."""
    data = Path(settings.FRAMEWORK_DATA_DIR)
    return sorted(data.glob("*.yaml")) + sorted((data / "archive").glob("*.yaml"))


T = TypeVar("T")

# How alike an old English text must be to a new one for its translation to be offered as a
# fuzzy suggestion (difflib's ratio: 1.0 identical). A corrected sentence scores well above it.
SIMILAR = 0.6


def closest_previous(text: str, previous: Mapping[str, T]) -> str | None:
    """The English text among `previous` most like `text`, if one is alike enough: the text it
    probably was before a correction."""
    found = difflib.get_close_matches(text, list(previous), n=1, cutoff=SIMILAR)
    return found[0] if found else None


def write_catalogue(path: Path, lang: str, texts: dict[str, list[str]]) -> tuple[int, int]:
    """Merge `texts` into the catalogue at `path`: existing translations are kept; a new text is
    added with the translation of the old text it most resembles, if any, as a fuzzy suggestion
    (marked fuzzy, with the old English as its previous msgid, so the translator sees what
    changed; fuzzy is never shown); texts no file uses any more are kept as obsolete (an older
    framework version in some database may still read them). Returns (entries, translated)."""
    old = polib.pofile(str(path)) if path.exists() else polib.POFile()
    previous = {e.msgid: e for e in old}
    po = polib.POFile(wrapwidth=100)
    po.metadata = {
        "Project-Id-Version": "mnr-self-assessment frameworks",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    # Any translated text may be the one a new text corrects, including one an archived version
    # still uses.
    translated = {e.msgid: e for e in old if e.msgstr and not e.fuzzy}
    for text, files in texts.items():
        kept = previous.pop(text, None)
        entry = polib.POEntry(
            msgid=text,
            msgstr=kept.msgstr if kept else "",
            occurrences=[(name, "") for name in files],
        )
        if kept and kept.fuzzy:
            entry.flags.append("fuzzy")
            entry.previous_msgid = kept.previous_msgid
        elif not entry.msgstr:
            was = closest_previous(text, translated)
            if was is not None:
                entry.msgstr = translated[was].msgstr
                entry.previous_msgid = was
                entry.flags.append("fuzzy")
        po.append(entry)
    for entry in previous.values():
        if entry.msgstr:
            entry.obsolete = True
            po.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))
    live = [e for e in po if not e.obsolete]
    return len(live), sum(bool(e.msgstr) and not e.fuzzy for e in live)


class Command(BaseCommand):
    help = (
        "Write frameworks/locale/<language>/<framework>.po from the framework files (current "
        "and archived), keeping every translation already there; then translate the empty "
        "entries with any PO editor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-l", "--language", action="append", dest="languages")

    def handle(self, *args: Any, languages: list[str] | None, **options: Any) -> None:
        texts = framework_texts(shipped_files())
        for lang in languages or [c for c, _name in settings.LANGUAGES if c != "en"]:
            for slug, by_text in sorted(texts.items()):
                path = locale_dir() / lang / f"{slug}.po"
                entries, done = write_catalogue(path, lang, by_text)
                self.stdout.write(f"{path}: {done} of {entries} translated")
