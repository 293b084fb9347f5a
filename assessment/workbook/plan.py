"""The plan of an uploaded workbook and its confirmation.

What the person changed is what differs from the download (the digest), not from what is online
now: an answer left as downloaded is never written, even when someone changed it online since;
an answer changed in the workbook *and* online since is a conflict, applied only on request.
`workbook_apply` saves the planned changes through the same service functions as the online
questionnaire, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from .. import answering, frameworks_cache
from ..models import LEGISLATION_SECTION, Assessment, CapabilityAnswer, CriterionAnswer
from .read import Parsed
from .values import (
    CapabilityValues,
    CriterionValues,
    code_order,
    criterion_key,
    criterion_options,
    indicator_options,
    label_of,
    level_options,
    online_capabilities,
    online_criteria,
)

# ---------------------------------------------------------------- the plan


@dataclass
class Change:
    key: str  # capability code, or "L:" + criterion code
    section: str
    title: str
    where: str
    lines: list[tuple[str, str, str]]  # (what, online now, in the workbook), in words
    online_version: int
    conflict: bool
    online_by: str = ""
    online_at: datetime | None = None
    values: CapabilityValues | CriterionValues | None = None


@dataclass
class Plan:
    header: dict[str, Any]
    changes: list[Change]
    unchanged: int
    errors: list[str]

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.conflict]

    def versions(self) -> dict[str, int]:
        return {c.key: c.online_version for c in self.changes}


def workbook_plan(*, parsed: Parsed, assessment: Assessment, editable: frozenset[str]) -> Plan:
    """Every change the workbook would make, in words, and which of them are conflicts."""
    errors = list(parsed.errors)
    if not assessment.is_editable:
        errors.insert(
            0,
            _("This assessment is %(status)s and can no longer be changed.")
            % {"status": assessment.get_status_display().lower()},
        )
    downloaded = parsed.header["answers"]
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    levels = level_options(tree.scale)
    indicators = dict(indicator_options())
    caps = {c.code: c for c in tree.capabilities}
    online = online_capabilities(assessment, [caps[code] for code in parsed.capabilities])
    changes: list[Change] = []
    unchanged = 0
    for code, values in parsed.capabilities.items():
        version, digest = downloaded.get(code, [0, None])
        if values.digest() == digest:
            unchanged += 1
            continue
        answer, current = online[code]
        cap = caps[code]
        lines = []
        if current.response != values.response:
            lines.append(
                (
                    _("Maturity level"),
                    label_of(levels, current.response),
                    label_of(levels, values.response),
                )
            )
        pairs = zip(current.indicators, values.indicators, strict=True)
        for (icode, old), (_c, new) in sorted(pairs, key=lambda p: code_order(p[0][0])):
            if old != new:
                lines.append((icode, indicators.get(old, ""), indicators.get(new, "")))
        if current.evidence != values.evidence:
            lines.append((_("Evidence"), _excerpt(current.evidence), _excerpt(values.evidence)))
        changes.append(
            _change(
                code,
                cap.domain.code,
                f"{cap.code} {cap.name}",
                parsed,
                lines,
                answer,
                version,
                values,
            )
        )
    crit_online = online_criteria(assessment) if parsed.criteria else {}
    for code, given in parsed.criteria.items():
        key = criterion_key(code)
        version, digest = downloaded.get(key, [0, None])
        if given.digest() == digest:
            unchanged += 1
            continue
        criterion, c_answer, c_current = crit_online[code]
        options = criterion_options(criterion)
        lines = []
        if c_current.value != given.value:
            lines.append(
                (_("Answer"), label_of(options, c_current.value), label_of(options, given.value))
            )
        if c_current.citation != given.citation:
            lines.append((_("Citation"), _excerpt(c_current.citation), _excerpt(given.citation)))
        changes.append(
            _change(
                key, LEGISLATION_SECTION, criterion.name, parsed, lines, c_answer, version, given
            )
        )
    for change in changes:
        if change.section not in editable:
            errors.append(
                _("%(cell)s: %(title)s is in a section you may not edit.")
                % {"cell": change.where, "title": change.title}
            )
    return Plan(parsed.header, changes, unchanged, errors)


def _change(
    key: str,
    section: str,
    title: str,
    parsed: Parsed,
    lines: list[tuple[str, str, str]],
    answer: CapabilityAnswer | CriterionAnswer | None,
    downloaded_version: int,
    values: CapabilityValues | CriterionValues,
) -> Change:
    online_version = answer.version if answer else 0
    by = ""
    if answer is not None and answer.updated_by is not None:
        by = answer.updated_by.get_full_name() or answer.updated_by.get_username()
    return Change(
        key=key,
        section=section,
        title=title,
        where=parsed.where[key],
        # Changed online to what the workbook says: nothing left to write, but it is shown.
        lines=lines,
        online_version=online_version,
        conflict=online_version != downloaded_version and bool(lines),
        online_by=by,
        online_at=answer.updated_at if answer else None,
        values=values,
    )


def _excerpt(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- apply


class PlanChanged(Exception):
    """An answer changed online between the preview and the confirmation."""


@transaction.atomic
def workbook_apply(
    *,
    assessment: Assessment,
    user: User,
    plan: Plan,
    replace: set[str],
    seen_versions: Mapping[str, int],
) -> list[Change]:
    """Save the plan's changes (conflicts only when their key is in `replace`) in one
    transaction; each is recorded in the audit trail as the user's edit, from the workbook."""
    if plan.errors:
        raise PlanChanged(plan.errors[0])
    if plan.versions() != dict(seen_versions):
        raise PlanChanged(_("Answers changed online since the preview."))
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    caps = {c.code: c for c in tree.capabilities}
    applied = []
    criterion_inputs = {}
    criteria = {c.code: c for c in frameworks_cache.criteria_of(assessment.legislation_version)}
    for change in plan.changes:
        if not change.lines or (change.conflict and change.key not in replace):
            continue
        values = change.values
        if isinstance(values, CapabilityValues):
            cap = caps[change.key]
            by_code = dict(values.indicators)
            current = CapabilityAnswer.objects.filter(assessment=assessment, capability=cap).first()
            try:
                answering.capability_answers_save(
                    assessment=assessment,
                    capability=cap,
                    user=user,
                    response=values.response,
                    evidence=values.evidence,
                    share_with_peers=current.share_with_peers if current else False,
                    indicator_values={
                        i: by_code[i.code]
                        for i in cap.indicator_list  # type: ignore[attr-defined]
                    },
                    version=change.online_version,
                    via="workbook",
                )
            except answering.StaleAnswer:
                raise PlanChanged(_("Answers changed online since the preview.")) from None
        elif isinstance(values, CriterionValues):
            code = change.key.removeprefix("L:")
            criterion_inputs[criteria[code]] = answering.CriterionInput(
                values.value, values.citation, change.online_version, True
            )
        applied.append(change)
    if criterion_inputs:
        conflicts = answering.criterion_answers_save(
            assessment=assessment, user=user, answers=criterion_inputs, via="workbook"
        )
        if conflicts:
            raise PlanChanged(_("Answers changed online since the preview."))
    return applied
