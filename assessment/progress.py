"""How far an assessment is, and what its reader should do next (issue 16).

Built from the scores the page already has: no query of its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import LEGISLATION_SECTION, Assessment
from .scoring import Progress, Scores


@dataclass(frozen=True)
class Missing:
    """One unanswered item, as the submit page lists it: what it is and where to answer it,
    and whether it holds an answer copied from the previous cycle that waits to be confirmed."""

    label: str
    url: str
    to_confirm: bool = False


@dataclass(frozen=True)
class Step:
    label: str | Promise
    url: str


@dataclass(frozen=True)
class Overall:
    answered: int
    total: int
    criteria_answered: int
    criteria_total: int
    # Copied from the previous cycle (`copied_from`), not yet confirmed: not counted as
    # answered, counted apart (issue 24).
    to_confirm: int = 0
    criteria_to_confirm: int = 0
    copied_from: int | None = None

    @property
    def complete(self) -> bool:
        return self.answered == self.total and self.criteria_answered == self.criteria_total


def overall(
    scores: Scores, to_confirm: Collection[str] = (), copied_from: int | None = None
) -> Overall:
    """Answered and total items; `to_confirm` (codes, `AnswerValues.to_confirm`) are
    counted apart, as answers copied from cycle `copied_from` that wait to be confirmed."""
    criteria = scores.legislation.criteria
    return Overall(
        answered=sum(c.answered for c in scores.capabilities),
        total=len(scores.capabilities),
        criteria_answered=sum(bool(c.value) for c in criteria),
        criteria_total=len(criteria),
        to_confirm=sum(not c.answered and c.code in to_confirm for c in scores.capabilities),
        criteria_to_confirm=sum(not c.value and c.code in to_confirm for c in criteria),
        copied_from=copied_from,
    )


def to_confirm_by_section(scores: Scores, to_confirm: Collection[str]) -> dict[str, int]:
    """Section (domain code, or the legislation section) -> answers still to confirm."""
    counts = {
        domain.code: sum(c.code in to_confirm for c in domain.capabilities)
        for domain in scores.domains
    }
    counts[LEGISLATION_SECTION] = sum(c.code in to_confirm for c in scores.legislation.criteria)
    return {section: n for section, n in counts.items() if n}


def missing_by_section(
    assessment: Assessment, scores: Scores, to_confirm: Collection[str] = ()
) -> dict[str, list[Missing]]:
    """Section code -> its unanswered capabilities (or criteria), each with a link; those
    holding a copied answer to confirm say so."""
    missing: dict[str, list[Missing]] = {}
    for domain in scores.domains:
        missing[domain.code] = [
            Missing(
                f"{c.number}. {c.name}",
                reverse("assessment:capability", args=[assessment.uuid, c.code]),
                c.code in to_confirm,
            )
            for c in domain.capabilities
            if not c.answered
        ]
    legislation_url = reverse("assessment:legislation", args=[assessment.uuid])
    missing[LEGISLATION_SECTION] = [
        Missing(c.name, f"{legislation_url}#crit-{c.code}", c.code in to_confirm)
        for c in scores.legislation.criteria
        if not c.value
    ]
    return missing


def next_step(
    assessment: Assessment, scores: Scores, editable: Collection[str], *, may_submit: bool
) -> Step | None:
    """The one thing to do next: the first unanswered capability the reader may answer, then
    the legislation, then reviewing and submitting (for whoever may submit)."""
    if editable:
        for domain in scores.domains:
            if domain.code not in editable:
                continue
            first = next((c for c in domain.capabilities if not c.answered), None)
            if first is not None:
                return Step(
                    _("Next: answer %(number)s. %(name)s")
                    % {"number": first.number, "name": first.name},
                    reverse("assessment:capability", args=[assessment.uuid, first.code]),
                )
        if LEGISLATION_SECTION in editable and scores.legislation.progress != Progress.COMPLETE:
            return Step(
                _("Next: answer the legislative criteria"),
                reverse("assessment:legislation", args=[assessment.uuid]),
            )
    if may_submit:
        return Step(_("Review and submit"), reverse("assessment:submit", args=[assessment.uuid]))
    return None
