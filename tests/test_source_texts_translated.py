"""Every text the Python code marks for translation is in every language's catalogue.

`translation_coverage` reads what makemessages extracts, and makemessages (xgettext) does not
see a call inside an f-string's braces: such a text was dropped from the catalogues by the
next extraction and shown in English to every reader (the board's "extended" badge and its
"No member country matches." row, until this test). This reads the code itself with Python's
parser, f-strings included, and looks each marked text up in the compiled catalogues, as
pages do.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "api", "assessment", "config", "cycles", "frameworks", "outbox")
PACKAGES += ("secretariat",)
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy"}


def marked_texts(source: str) -> set[str | tuple[str, str]]:
    """The literal texts passed to the translation functions in `source`, in f-strings too."""
    found: set[str | tuple[str, str]] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        literals = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
        if name in SINGULAR and literals and isinstance(literals[0], str):
            found.add(literals[0])
        elif name in PLURAL and len(literals) == 2:
            found.add((literals[0], literals[1]))
    return found


def source_files() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_the_reader_finds_texts_inside_f_strings():
    source = 'x = f"<td>{escape(_(\'extended\'))}</td>"\ny = ngettext("one", "many", n)\n'
    assert marked_texts(source) == {"extended", ("one", "many")}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES if code != "en"])
def test_every_marked_text_is_in_the_catalogue(language):
    # Django's merged catalogue of the language: the project's and every app's, as pages use.
    catalogue = trans_real.translation(language)._catalog
    missing = set()
    for path in source_files():
        for text in marked_texts(path.read_text(encoding="utf-8")):
            key = (text[0], 0) if isinstance(text, tuple) else text
            if not catalogue.get(key):  # absent, or present but empty
                missing.add((str(path.relative_to(ROOT)), text))
    assert not missing, sorted(missing, key=str)
