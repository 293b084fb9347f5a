"""Framework content in the alliance's languages: PO catalogues keyed by the English text.

The framework files are written in English (`frameworks/data/*.yaml`); their translations live
beside them in `frameworks/locale/<language>/<framework slug>.po`, one entry per English text,
the form translators' tools read. Because an entry is keyed by its English text:

- fixing a translation never changes a framework file, so it makes no new framework version;
- an older version reuses every translation whose English is unchanged, and a corrected text
  simply has no translation until someone writes one.

`manage.py framework_messages` writes the catalogues from the framework files (keeping existing
translations); `manage.py translation_coverage` prints what is translated. At run time the texts
of framework rows are translated as they are read from the database (`TranslatedOnRead`), in the
active language. A text with no translation stays English and is an `Untranslated` string,
which templates mark `lang="en"` (the `lang_attr` filter) so that screen readers read it as
English: never a blank, never an error.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, Self

import polib
from django.conf import settings
from django.utils import translation

# A test-only language whose every translation is the English text in brackets (see
# tests/test_pseudo_language.py): whatever shows without brackets was never translated.
PSEUDO = "x-pseudo"
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


class Untranslated(str):
    """An English text shown in place of a missing translation."""

    lang = "en"


def lang_attribute(text: object) -> str:
    """' lang="en"' for an English text shown for want of a translation, else ''."""
    return ' lang="en"' if isinstance(text, Untranslated) else ""


def locale_dir() -> Path:
    return Path(settings.FRAMEWORK_LOCALE_DIR)


def _language(lang: str | None) -> str:
    return (lang or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """English text -> translation, over every framework's catalogue for `lang` (fuzzy and
    empty entries are not translations)."""
    found: dict[str, str] = {}
    for path in sorted((locale_dir() / lang).glob("*.po")):
        for entry in polib.pofile(str(path)):
            # Obsolete entries count: an older framework version may still read their text.
            if entry.msgstr and not entry.fuzzy:
                found[entry.msgid] = entry.msgstr
    return found


def clear_cache() -> None:
    catalogue.cache_clear()


def translate(text: str, lang: str | None = None) -> str:
    """`text` in `lang` (default: the active language), or `Untranslated(text)`."""
    if not text or not isinstance(text, str):
        return text
    if translation.get_language() == PSEUDO and lang is None:
        return f"{PSEUDO_OPEN}{text}{PSEUDO_CLOSE}"
    code = _language(lang)
    if code == "en":
        return text
    return catalogue(code).get(text) or Untranslated(text)


def translate_json(value: Any, keys: frozenset[str], lang: str | None = None) -> Any:
    """A copy of a JSON value whose strings under `keys` (at any depth; for a list of strings
    under such a key, each string) are translated."""
    if isinstance(value, dict):
        return {
            k: (
                translate_json(v, ALL, lang)
                if k in keys and isinstance(v, list | str)
                else translate_json(v, keys, lang)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [translate_json(v, keys, lang) for v in value]
    if isinstance(value, str) and "*" in keys:
        return translate(value, lang)
    return value


ALL = frozenset({"*"})  # every string


class TranslatedOnRead:
    """Model mixin: the fields named in `translated_fields` (text) and `translated_json`
    (field -> the keys whose strings are text) come back from the database in the active
    language. Framework rows are never saved after loading (the admin is read-only), so a
    translation never reaches the database."""

    translated_fields: tuple[str, ...] = ()
    translated_json: dict[str, frozenset[str]] = {}

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any]) -> Self:
        instance = super().from_db(db, field_names, values)  # type: ignore[misc]
        if _language(None) == "en" and translation.get_language() != PSEUDO:
            return instance
        loaded = instance.__dict__
        for name in cls.translated_fields:
            if name in loaded:
                loaded[name] = translate(loaded[name])
        for name, keys in cls.translated_json.items():
            if name in loaded:
                loaded[name] = translate_json(loaded[name], keys)
        return instance


# --- extraction: the English texts of the framework files -----------------------------------

# The keys of the framework files whose values people read (codes, slugs and kinds are not
# read as words). Citations of sources are translated too: they say in words which part of
# which document was used, and the document's title in them stays as published.
TEXT_KEYS = frozenset(
    {
        "source",
        "title",
        "edition",
        "note",
        "name",
        "meaning",
        "reason",
        "outcome",
        "summary",
        "levels",
        "text",
        "description",
        "question",
        "guidance",
        "actor",
    }
)


def texts_of(doc: Any, key: str = "") -> Iterator[str]:
    """Every text of a framework file, in file order (a list or mapping under a text key holds
    texts, as the level descriptors do)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from texts_of(v, key if key in TEXT_KEYS else str(k))
    elif isinstance(doc, list):
        for v in doc:
            yield from texts_of(v, key)
    elif isinstance(doc, str) and key in TEXT_KEYS and doc.strip():
        yield doc
