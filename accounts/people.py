"""People's names: the display name others see, and which usernames may be chosen.

A username is what someone types to sign in; the display name is what everyone else reads.
Usernames are restricted (letters, digits and . - _ @ +, one script) and refused when they
look like another member's of the same country, so nobody can pass for the coordinator with a
Cyrillic "а" in place of a Latin "a". Display names may use any letters, but no control or
invisible formatting characters (a right-to-left override could make a name read backwards).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assessment.models import Country, Membership

from .models import Profile

# Unicode general categories refused in a display name: controls, invisible format characters
# (bidi overrides, zero-width joiners), surrogates, private use, unassigned, line separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def display_name(user: User | None) -> str:
    """The display name, else the full name, else the username; "" for no user."""
    if user is None:
        return ""
    try:
        chosen = user.profile.display_name
    except Profile.DoesNotExist:
        chosen = ""
    full_name = getattr(user, "get_full_name", lambda: "")()
    return chosen or full_name or user.get_username()


def set_display_name(user: User, name: str) -> Profile:
    profile, _created = Profile.objects.update_or_create(user=user, defaults={"display_name": name})
    return profile


def normalise_username(raw: str) -> str:
    """NFKC, as Django stores usernames, so full-width "ｎａｄｉａ" becomes "nadia"."""
    return unicodedata.normalize("NFKC", raw.strip())


def comparison_key(username: str) -> str:
    """Two usernames with the same key are the same name to a person reading them."""
    return normalise_username(username).casefold()


@lru_cache(maxsize=4096)
def _look_alikes(char: str) -> frozenset[str]:
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=[])
    return frozenset([char, *(h["c"] for h in found[0]["homoglyphs"])] if found else [char])


@lru_cache(maxsize=4096)
def _glyph(char: str) -> str:
    """One representative of all the characters `char` can be mistaken for (the lowest code
    point among them and their own look-alikes), so look-alikes from any script map to the
    same glyph whichever of them is typed."""
    group = set(_look_alikes(char))
    for other in list(group):
        group |= _look_alikes(other)
    return min(group)


def skeleton(username: str) -> str:
    return "".join(_glyph(c) for c in comparison_key(username))


def validate_username(raw: str, country: Country | None) -> str:
    """The normalised username, or ValidationError with a message for the person choosing it."""
    username = normalise_username(raw)
    UnicodeUsernameValidator()(username)
    if confusables.is_mixed_script(username, allowed_aliases=["COMMON"]):
        raise ValidationError(
            _("Use letters of one alphabet only (do not mix, for example, Latin and Cyrillic)."),
            code="mixed_script",
        )
    key = comparison_key(username)
    # Few accounts exist (country teams and the secretariat), so comparing in Python is cheap
    # and catches casefold equivalents (ß / ss) that the database's iexact does not.
    existing = get_user_model().objects.values_list("username", flat=True)
    if any(comparison_key(name) == key for name in existing):
        raise ValidationError(_("This username is taken."), code="taken")
    if country is not None:
        shape = skeleton(username)
        team = Membership.objects.filter(country=country).values_list("user__username", flat=True)
        if any(skeleton(name) == shape for name in team):
            raise ValidationError(
                _("This username looks like the username of someone in your team. Choose another."),
                code="confusable",
            )
    return username


def validate_display_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw.strip())
    if not name:
        raise ValidationError(_("Enter the name your colleagues will see."), code="required")
    if any(unicodedata.category(c) in REFUSED_CATEGORIES for c in name):
        raise ValidationError(
            _("The name contains invisible or control characters. Type it again."),
            code="control",
        )
    return name


def language_of(user: User | None) -> str:
    """The interface language the person chose, or "" (the browser's, then English)."""
    if user is None or not user.is_authenticated:
        return ""
    try:
        return str(user.profile.language)
    except Profile.DoesNotExist:
        return ""


def language_set(user: User, language: str) -> None:
    """Remember the person's interface language on their account."""
    Profile.objects.update_or_create(user=user, defaults={"language": language})
    try:
        user.profile.language = language
    except Profile.DoesNotExist:
        pass
