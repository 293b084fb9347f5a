"""The assessment app's models, by concern: countries and memberships (`countries`), an
assessment and its answers, assignments, waivers, comments, invitations and the stamp of the
peer lists (`assessments`), bytes kept in the database (`files`), the change log (`audit`),
targets, actions and frozen scores (`plans`). Importing from `assessment.models` is the
interface; Django finds the models here."""

from .assessments import (
    LEGISLATION_SECTION,
    Assessment,
    AssessmentQuerySet,
    Assignment,
    CapabilityAnswer,
    Comment,
    CriterionAnswer,
    IndicatorAnswer,
    Invitation,
    SectionWaiver,
)
from .audit import AUDIT_ACTION_LABELS, AuditEvent
from .countries import Country, Membership, country_names
from .files import EvidenceChunk, EvidenceFile, PendingWorkbook
from .plans import Action, FrozenScores, TargetLevel
from .stamp import WriteStamp

__all__ = [
    "Country",
    "country_names",
    "Membership",
    "AssessmentQuerySet",
    "Assessment",
    "CapabilityAnswer",
    "IndicatorAnswer",
    "CriterionAnswer",
    "LEGISLATION_SECTION",
    "Assignment",
    "SectionWaiver",
    "Comment",
    "Invitation",
    "EvidenceFile",
    "EvidenceChunk",
    "PendingWorkbook",
    "AUDIT_ACTION_LABELS",
    "AuditEvent",
    "TargetLevel",
    "WriteStamp",
    "Action",
    "FrozenScores",
]
