"""The review workflow: draft → submitted → validated, or returned → editable again.

A validated assessment is never changed: reopening it makes a new revision from a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit, frozen, services
from .bidi import join_list
from .models import LEGISLATION_SECTION, Assessment, SectionWaiver
from .scoring import Progress, Scores


class WorkflowError(Exception):
    """The step is not possible now; the message says why, for the user."""


@dataclass(frozen=True)
class Section:
    code: str
    name: str
    progress: Progress
    waiver: SectionWaiver | None

    @property
    def ready(self) -> bool:
        return self.progress == Progress.COMPLETE or self.waiver is not None


def sections(assessment: Assessment, scores: Scores) -> list[Section]:
    waivers = {w.section: w for w in assessment.waivers.all()}
    rows = [Section(d.code, d.name, d.progress, waivers.get(d.code)) for d in scores.domains]
    rows.append(
        Section(
            LEGISLATION_SECTION,
            _("Legislation"),
            scores.legislation.progress,
            waivers.get(LEGISLATION_SECTION),
        )
    )
    return rows


def _set_status(assessment: Assessment, status: str, user: User | None, comment: str = "") -> None:
    before = {"status": assessment.status}
    assessment.status = status
    assessment.status_comment = comment
    assessment.save(update_fields=["status", "status_comment"])
    after = {"status": status}
    if comment:
        after["comment"] = comment
    audit.record(
        actor=user,
        action="status.changed",
        country=assessment.country,
        assessment=assessment,
        before=before,
        after=after,
    )


@transaction.atomic
def language_set(*, assessment: Assessment, language: str, user: User | None) -> None:
    """Change the working language (the language of the assessment's exports)."""
    before = assessment.language
    if before == language:
        return
    Assessment.objects.filter(pk=assessment.pk).update(language=language)
    assessment.language = language
    audit.record(
        actor=user,
        action="language.changed",
        country=assessment.country,
        assessment=assessment,
        before={"language": before},
        after={"language": language},
    )


def waiver_set(*, assessment: Assessment, section: str, reason: str, user: User | None) -> None:
    """Mark a section "not assessed" with a reason; an empty reason removes the mark."""
    existing = SectionWaiver.objects.filter(assessment=assessment, section=section).first()
    before = {"reason": existing.reason} if existing else None
    if reason:
        SectionWaiver.objects.update_or_create(
            assessment=assessment,
            section=section,
            defaults={"reason": reason, "created_by": user},
        )
    elif existing:
        existing.delete()
    after = {"reason": reason} if reason else None
    if before != after:
        audit.record(
            actor=user,
            action="section.not_assessed",
            country=assessment.country,
            assessment=assessment,
            subject=section,
            before=before,
            after=after,
        )


@transaction.atomic
def submit(*, assessment: Assessment, sharing: str, user: User | None) -> None:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not locked.is_editable:
        raise WorkflowError(_("This assessment is not a draft any more."))
    missing = [s.name for s in sections(locked, services.assessment_scores(locked)) if not s.ready]
    if missing:
        raise WorkflowError(
            _("Complete these sections or mark them “not assessed” with a reason: %(names)s.")
            % {"names": join_list(missing)}
        )
    if sharing not in Assessment.Sharing.values:
        raise WorkflowError(_("Choose how the secretariat may use your results."))
    if locked.sharing != sharing:
        audit.record(
            actor=user,
            action="sharing.changed",
            country=locked.country,
            assessment=locked,
            before={"sharing": locked.sharing},
            after={"sharing": sharing},
        )
        locked.sharing = sharing
        locked.save(update_fields=["sharing"])
    _set_status(locked, Assessment.Status.SUBMITTED, user)
    # It cannot change until returned: its scores are computed once, here (issue 17).
    frozen.freeze(locked)


@transaction.atomic
def review(*, assessment: Assessment, validate: bool, comment: str, user: User | None) -> None:
    """Validate a submitted assessment, or return it to the country with comments."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.status != Assessment.Status.SUBMITTED:
        raise WorkflowError(_("Only a submitted assessment can be validated or returned."))
    if validate:
        _set_status(locked, Assessment.Status.VALIDATED, user, comment)
        frozen.freeze(locked)
    else:
        if not comment.strip():
            raise WorkflowError(_("Say what the country should change before returning it."))
        _set_status(locked, Assessment.Status.RETURNED, user, comment.strip())
        frozen.thaw(locked)  # editable again: its answers may change


@transaction.atomic
def reopen(*, assessment: Assessment, user: User | None) -> Assessment:
    """A new revision of a validated assessment, from a copy; the validated one is kept."""
    if assessment.status != Assessment.Status.VALIDATED:
        raise WorkflowError(_("Only a validated assessment can be reopened."))
    last = (
        Assessment.objects.filter(country=assessment.country, cycle=assessment.cycle)
        .order_by("-revision")
        .first()
    )
    if last and last.status != Assessment.Status.VALIDATED:
        raise WorkflowError(_("A revision of this cycle is already open."))
    revision = services._create(
        country=assessment.country,
        cycle=assessment.cycle,
        revision=(last.revision if last else assessment.revision) + 1,
        copied_from=assessment,
        sharing=assessment.sharing,
        mnr_version=assessment.mnr_version,
        legislation_version=assessment.legislation_version,
        recommendations_version=assessment.recommendations_version,
        created_by=user,
    )
    services.copy_answers(assessment, revision, to_confirm=False)
    audit.record(
        actor=user,
        action="assessment.reopened",
        country=assessment.country,
        assessment=revision,
        after={"revision": revision.revision, "copied_from": str(assessment.uuid)},
    )
    return revision
