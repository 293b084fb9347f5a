"""What the workbook's modules share: the layout's constants, an answer's values as the
workbook writes and reads them (and their digest), the answers online, and the drop-down labels
in the active language."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from frameworks.models import Capability, Criterion

from .. import answering, frameworks_cache
from ..models import Assessment, CapabilityAnswer, CriterionAnswer, IndicatorAnswer

SALT = "assessment.workbook"
FORMAT = 1  # of the signed header; a later layout bumps it and refuses older files clearly
META_SHEET = "_workbook"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A filled-in workbook unpacks to a few hundred kB; the evidence checks' other limits apply.
EVIDENCE_MAX = 20000  # as CapabilityForm.evidence
CITATION_MAX = 2000  # as LegislationForm's citation fields
# Columns of a section sheet: A the row's key (hidden), B the reference, C the question,
# D the answer (the only unlocked column), E guidance.
KEY, REF, QUESTION, ANSWER, GUIDANCE = 1, 2, 3, 4, 5
ANSWER_COLUMN = "D"


class WorkbookRejected(Exception):
    """The file as a whole is refused (not an XLSX, too big, tampered, another assessment…)."""


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class CapabilityValues:
    response: str
    evidence: str
    indicators: tuple[tuple[str, str], ...]  # (indicator code, value or ""), in framework order

    def digest(self) -> str:
        return digest_of(["c", self.response, norm(self.evidence), list(self.indicators)])


@dataclass(frozen=True)
class CriterionValues:
    value: str
    citation: str

    def digest(self) -> str:
        return digest_of(["r", self.value, norm(self.citation)])


def norm(text: str) -> str:
    """Text as it comes back from a spreadsheet (see _cell_text), so that a stored answer with
    a trailing space or Windows line ends does not look changed after the round trip."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def digest_of(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def code_order(code: str) -> tuple[tuple[int, ...], str]:
    """Sort key of a reference as a person reads it: C16.2 before C16.10."""
    return tuple(int(n) for n in re.findall(r"\d+", code)), code


def criterion_key(code: str) -> str:
    return "L:" + code


def online_capabilities(
    assessment: Assessment, capabilities: Iterable[Capability]
) -> dict[str, tuple[CapabilityAnswer | None, CapabilityValues]]:
    """Capability code -> (stored answer, its values as the workbook writes them): 2 queries."""
    capabilities = list(capabilities)
    answers = {
        a.capability_id: a
        for a in CapabilityAnswer.objects.filter(
            assessment=assessment, capability__in=[c.pk for c in capabilities]
        ).select_related("updated_by")
    }
    indicator_values = dict(
        IndicatorAnswer.objects.filter(assessment=assessment).values_list("indicator_id", "value")
    )
    result = {}
    for cap in capabilities:
        answer = answers.get(cap.pk)
        values = CapabilityValues(
            response=answer.response if answer else "",
            evidence=answer.evidence if answer else "",
            indicators=tuple(
                (i.code, indicator_values.get(i.pk, ""))
                for i in cap.indicator_list  # type: ignore[attr-defined]
            ),
        )
        result[cap.code] = (answer, values)
    return result


def online_criteria(
    assessment: Assessment,
) -> dict[str, tuple[Criterion, CriterionAnswer | None, CriterionValues]]:
    """Criterion code -> (criterion, stored answer, its values): 1 query."""
    answers = answering.criterion_answers(assessment)
    result = {}
    for c in frameworks_cache.criteria_of(assessment.legislation_version):
        a = answers.get(c.code)
        result[c.code] = (c, a, CriterionValues(a.value if a else "", a.citation if a else ""))
    return result


# ---------------------------------------------------------------- labels (active language)


def level_options(scale: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(stored value, drop-down text). Levels read "3 — Established": the leading digit is what
    the upload parses, so a spreadsheet that keeps only "3" (or 3.0) still means level 3."""
    return [(str(s["level"]), f"{s['level']} — {s['name']}") for s in scale] + [
        (CapabilityAnswer.Response.DONT_KNOW, _("Don't know")),
        (CapabilityAnswer.Response.NOT_APPLICABLE, _("Not applicable")),
    ]


def indicator_options() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in IndicatorAnswer.Value.choices]


def criterion_options(criterion: Criterion) -> list[tuple[str, str]]:
    if criterion.scored:
        return [(v, str(label)) for v, label in CriterionAnswer.Value.choices]
    return [
        (CriterionAnswer.Value.MET, _("Yes")),
        (CriterionAnswer.Value.NOT_MET, _("No")),
        (CriterionAnswer.Value.DONT_KNOW, _("Don't know")),
    ]


def label_of(options: list[tuple[str, str]], value: str) -> str:
    return next((label for v, label in options if v == value), "")
