"""Issue 23 §2.7: an indicator evidences a level, and that level's descriptor must not say the
opposite. The contradiction flag compares a claimed level with the indicators of the levels it
implies, so an indicator filed under the wrong level raises (or hides) a flag on a sound answer.

The check reads each indicator against its capability's descriptors where the words allow it:

- a word of the indicator that its own level's descriptor names only as missing ("the plan has
  no measurable indicators", "they receive little feedback");
- a qualifier that marks a higher level ("most", "fair and accessible", "nationally
  consistent", "develop or adapt") and appears in no descriptor at or below the claimed level.

Words that several descriptors of a capability use (its topic: "national", "CSEA") are not
read, and a word the indicator itself negates ("even if it has no measurable indicators yet")
is not held against it. It cannot read meaning: C06.7, C15.5, C17.7 and C19.1, corrected by
hand in version 3, use other words than their descriptors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

DATA = Path(settings.FRAMEWORK_DATA_DIR)
NEGATIONS = {"no", "not", "without", "little", "lacking", "missing", "rarely", "seldom", "few"}
QUALIFIERS = {"most", "every", "fair", "accessible", "routinely", "consistent", "measurable"}
QUALIFIERS |= {"develop", "adapt"}
STOP = set(
    "a an the and or of to in on for with by as at is are be been has have had do does did it "
    "its their they them this that these those there any some each which who from into than "
    "then so such other also both either even only own same whether if when where while but "
    "more much very can could may should would will about over under after before during "
    "between through per yet one once least".split()
)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower())


def negated(ws: list[str], i: int) -> bool:
    """Whether the word at `i` is named as missing: a negation among the five words before it
    ("not only" is not one)."""
    before = ws[max(0, i - 5) : i]
    return any(
        w in NEGATIONS and not (w == "not" and before[j + 1 : j + 2] == ["only"])
        for j, w in enumerate(before)
    )


def affirmed(text: str, word: str) -> bool:
    ws = words(text)
    return any(w == word and not negated(ws, i) for i, w in enumerate(ws))


def contradictions(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(indicator code, why) for every indicator its level's descriptors contradict."""
    found = []
    for domain in doc["domains"]:
        for c in domain["capabilities"]:
            levels = {int(k): v for k, v in c["levels"].items()}
            for ind in c["indicators"]:
                level = ind.get("evidences_level")
                if level is None:
                    continue
                own = words(levels[level])
                iw = words(ind["text"])
                for k, w in enumerate(iw):
                    if w in STOP or w in NEGATIONS or negated(iw, k):
                        continue
                    at = [i for i, x in enumerate(own) if x == w]
                    spread = sum(w in words(text) for text in levels.values())
                    if at and spread <= 2 and all(negated(own, i) for i in at):
                        found.append((ind["code"], f"level {level} names '{w}' as missing"))
                    if w in QUALIFIERS and not any(w in words(levels[n]) for n in range(level + 1)):
                        higher = [n for n in levels if n > level and affirmed(levels[n], w)]
                        if higher:
                            found.append((ind["code"], f"'{w}' is level {min(higher)}'s wording"))
    return found


def test_current_indicators_agree_with_their_levels():
    doc = yaml.safe_load((DATA / "mnr-2016.yaml").read_text(encoding="utf-8"))
    assert contradictions(doc) == []


def test_the_check_finds_the_contradictions_of_version_2():
    doc = yaml.safe_load((DATA / "archive" / "mnr-2016-v2.yaml").read_text(encoding="utf-8"))
    found = {code for code, _why in contradictions(doc)}
    assert {"C02.3", "C10.2", "C13.1", "C14.4", "C18.1", "C19.4"} <= found
    assert found <= {"C02.3", "C10.2", "C13.1", "C14.4", "C18.1", "C19.4"}  # nothing else
