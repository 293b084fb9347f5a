"""Issue 23 §4: a corrected English framework text cannot pass CI untranslated.

`translation_coverage` (run by `./run test` with `--fail-under 100`) reads the texts the
framework files contain and looks each up as the app does at run time; the catalogues' entry
count is not the measure. `framework_messages` then offers the old translation as a fuzzy
suggestion, which still fails the check until a translator confirms it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.core.management import CommandError, call_command

from frameworks import i18n

OLD = "Do agencies working on CSEA meet, even informally, to coordinate their work?"
NEW = "Do agencies working on CSEA meet, even informally, to coordinate what they do?"


@pytest.fixture
def copies(settings, tmp_path: Path) -> Iterator[Path]:
    """The framework files (current and archived) and their catalogues, copied."""
    shutil.copytree(Path(settings.FRAMEWORK_DATA_DIR), tmp_path / "data")
    shutil.copytree(Path(settings.FRAMEWORK_LOCALE_DIR), tmp_path / "locale")
    settings.FRAMEWORK_DATA_DIR = tmp_path / "data"
    settings.FRAMEWORK_LOCALE_DIR = tmp_path / "locale"
    i18n.clear_cache()
    yield tmp_path
    i18n.clear_cache()


def coverage(capsys) -> tuple[str, CommandError | None]:
    try:
        call_command("translation_coverage", fail_under=100)
    except CommandError as exc:
        return capsys.readouterr().out, exc
    return capsys.readouterr().out, None


def test_shipped_texts_are_all_translated(copies, capsys):
    out, error = coverage(capsys)
    assert error is None, out
    assert "frameworks" in out


def test_an_edited_english_text_fails_the_check_until_translated(copies, capsys):
    path = copies / "data" / "mnr-2016.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(OLD) == 1
    path.write_text(text.replace(OLD, NEW), encoding="utf-8")

    out, error = coverage(capsys)
    assert error is not None and "Below 100 %: fr frameworks, es frameworks" in str(error)
    assert "fr: mnr-2016.yaml: English changed since it was translated: " + repr(NEW) in out

    # Re-extracting offers the old translation as a suggestion: fuzzy, so still not done.
    call_command("framework_messages", language=["fr"])
    po = polib.pofile(str(copies / "locale" / "fr" / "mnr.po"))
    entry = po.find(NEW)
    assert entry.fuzzy and entry.previous_msgid == OLD
    assert entry.msgstr == po.find(OLD).msgstr != ""  # the old one kept too (archived versions)
    out, error = coverage(capsys)
    assert error is not None
    assert "fr: mnr-2016.yaml: fuzzy translation: " + repr(NEW) in out

    # The translator confirms it: French passes; the other languages still wait.
    entry.flags.remove("fuzzy")
    po.save()
    out, error = coverage(capsys)
    assert error is not None and "fr frameworks" not in str(error)
