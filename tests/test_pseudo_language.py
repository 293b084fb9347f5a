"""The strings nobody marked for translation: every page rendered in a pseudo-language.

The pseudo-language's every translation is the English text in brackets, ⟦like this⟧, for the
interface (a gettext catalogue made from the msgids of the French one) and for the framework
texts (frameworks/i18n.py). Every URL of the permission table is read, as a role that may read
it, in each state; whatever visible text is left outside the brackets must be a number, a code,
a country's name or what the test's people typed. Anything else is a string that no catalogue
can translate.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings as django_settings
from django.conf.locale import LANG_INFO
from django.utils.translation import to_locale

from assessment.models import Country
from frameworks.i18n import PSEUDO, PSEUDO_CLOSE, PSEUDO_OPEN

from .test_permissions import APP_URLS, EXPECTED, ROLES, STATES, put_in_state, request_for
from .test_permissions import world as permissions_world  # noqa: F401 (a fixture)

VISIBLE_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
# Typed by the people of the test's world, or named by them: shown as written.
TYPED = {
    "oc",
    "co",
    "cd",
    "an",
    "ad",
    "An action",
    "e.pdf",
    "n@x.example",
    "ICMEC",
    "Focal",
    "focal@x.example",  # the world's focal point (cycles, issue 26)
}
# What may stand outside the brackets: numbers, dates, codes (C04, R07, D2, XA), punctuation.
NEUTRAL = re.compile(
    r"^[\s\d.,:;/()\[\]%+\-–—=·•|#@&*'\"“”‘’«»<>→←↑↓×✓✔✗…?!]*$"
    r"|^(?:[A-Z]{1,2}\d+(?:\.\d+)?|[A-Z]{2}|v\d+|\d{4}-\d\d-\d\d|\d\d:\d\d)[.,:;)]?$"
    # a second factor's key (groups of 4 base-32 characters) and its otpauth:// link
    r"|^[A-Z2-7]{4}$|^otpauth://\S+$"
)


def pseudo(text: str) -> str:
    return f"{PSEUDO_OPEN}{text}{PSEUDO_CLOSE}" if text else ""


@pytest.fixture
def pseudo_language(settings, tmp_path, monkeypatch):
    """A compiled catalogue for the pseudo-language, made from the msgids of the French
    catalogues: ours, and Django's own (its forms, validators and dates are translated by its
    catalogues in the real languages)."""
    import django

    django_dir = Path(django.__file__).parent
    sources = [django_settings.BASE_DIR / "locale/fr/LC_MESSAGES/django.po"]
    sources += sorted(django_settings.BASE_DIR.glob("*/locale/fr/LC_MESSAGES/django.po"))
    sources += sorted(django_dir.glob("conf/locale/fr/LC_MESSAGES/*.po"))
    sources += sorted(django_dir.glob("contrib/*/locale/fr/LC_MESSAGES/django.po"))
    source = polib.pofile(str(sources[0]))
    for extra in sources[1:]:
        source.extend(polib.pofile(str(extra)))
    po = polib.POFile()
    po.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": source.metadata.get("Plural-Forms", "nplurals=2; plural=(n != 1);"),
    }
    for entry in source:
        if entry.obsolete:
            continue
        copy = polib.POEntry(msgid=entry.msgid, msgctxt=entry.msgctxt)
        if entry.msgid_plural:
            copy.msgid_plural = entry.msgid_plural
            copy.msgstr_plural = {0: pseudo(entry.msgid), 1: pseudo(entry.msgid_plural)}
        else:
            copy.msgstr = pseudo(entry.msgid)
        po.append(copy)
    directory = tmp_path / to_locale(PSEUDO) / "LC_MESSAGES"
    directory.mkdir(parents=True)
    po.save_as_mofile(str(directory / "django.mo"))
    monkeypatch.setitem(
        LANG_INFO, PSEUDO, {"bidi": False, "code": PSEUDO, "name": "Pseudo", "name_local": "Pseudo"}
    )
    settings.LOCALE_PATHS = [tmp_path, *django_settings.LOCALE_PATHS]
    settings.LANGUAGES = [*django_settings.LANGUAGES, (PSEUDO, "Pseudo")]
    from assessment.frameworks_cache import clear_framework_cache

    clear_framework_cache()
    yield
    clear_framework_cache()


class Visible(HTMLParser):
    """The text a person sees or hears: text outside script/style, and the labels of
    VISIBLE_ATTRIBUTES."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._hidden += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data)


# A translated text cut short to fit ("…") loses its closing bracket.
TRUNCATED = re.compile(
    re.escape(PSEUDO_OPEN) + r"[^" + PSEUDO_CLOSE + r"]*…(?!" + PSEUDO_CLOSE + ")"
)


def outside_brackets(text: str) -> str:
    text = TRUNCATED.sub(" ", text)
    inner = re.compile(
        re.escape(PSEUDO_OPEN)
        + r"[^"
        + PSEUDO_OPEN
        + PSEUDO_CLOSE
        + r"]*"
        + re.escape(PSEUDO_CLOSE)
    )
    while True:
        reduced = inner.sub(" ", text)
        if reduced == text:
            return text
        text = reduced


def allowed_words() -> set[str]:
    names = {str(c.name) for c in Country.objects.all()}
    languages = {LANG_INFO[code]["name_local"] for code, _name in django_settings.LANGUAGES}
    return names | languages | TYPED


def leaks(html: str, allowed: set[str]) -> list[str]:
    parser = Visible()
    parser.feed(html)
    found = []
    for text in parser.texts:
        rest = outside_brackets(text)
        for name in sorted(allowed, key=len, reverse=True):
            if name and name in rest:
                rest = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", rest)
        for piece in re.split(r"\s{2,}|\n", rest):
            piece = piece.strip()
            if piece and not all(NEUTRAL.match(word) for word in piece.split()):
                found.append(piece)
    return found


def readers(name: str, state: str) -> list[str]:
    gets = EXPECTED[name][state][0]
    return [role for role, code in zip(ROLES, gets, strict=True) if code == 200]


def test_every_page_shows_only_translated_text(
    pseudo_language: None,
    permissions_world: dict[str, Any],  # noqa: F811
):
    world = permissions_world
    allowed = allowed_words()
    found: dict[str, set[str]] = {}
    pages = 0
    for name in APP_URLS:
        for state in STATES:
            for role in readers(name, state)[:2]:
                client = world["clients"][role]
                client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = PSEUDO
                put_in_state(world["assessment"], state)
                url, _data = request_for(name, world)
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=PSEUDO)
                if "text/html" not in response.get("Content-Type", ""):
                    continue
                pages += 1
                for piece in leaks(response.content.decode(), allowed):
                    found.setdefault(piece, set()).add(name)
    assert pages > 50
    report = "\n".join(f"{piece!r}: {sorted(names)}" for piece, names in sorted(found.items()))
    assert not found, f"Visible text outside the translation catalogues:\n{report}"
