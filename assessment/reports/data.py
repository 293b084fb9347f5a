"""The action-plan report as plain data. `build_report()` (in builder.py) fills it from the
database; the PDF, XLSX and CSV renderers only read it, so every format says the same thing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..gaps import Gap, GapKind
from ..scoring import Scores

__all__ = ["ActionRow", "EvidenceRow", "Gap", "GapKind", "Report"]


@dataclass(frozen=True)
class ActionRow:
    position: int  # 1-based order in the plan
    title: str
    description: str
    item: str  # "4. Dedicated law enforcement" or "Legislation: Definition of CSAM", or ""
    recommendations: tuple[str, ...]  # codes, e.g. ("R07", "R06")
    lead_agency: str
    supporting_agencies: str
    start_date: dt.date | None
    due_date: dt.date | None
    status: str  # "planned", "in_progress", "done", "dropped"
    status_label: str  # translated label of the status
    priority: int  # 1 = highest
    overdue: bool


@dataclass(frozen=True)
class EvidenceRow:
    capability: str  # "4. Dedicated law enforcement"
    name: str  # the file's name as uploaded
    kind: str  # "PDF", "Word document", …
    uploaded_on: dt.date
    uploaded_by: str  # the uploader's display name, "—" once the account is deleted


@dataclass(frozen=True)
class Report:
    country_name: str
    cycle: int
    revision: int
    status_label: str  # "Draft", "Submitted", ...
    is_demo: bool
    generated_on: dt.date
    language: str  # language code the report is rendered in
    scores: Scores
    target_default: int
    gaps: tuple[Gap, ...]  # in priority order
    actions: tuple[ActionRow, ...]  # in plan order
    priority_rule: str  # the one-paragraph explanation, translated
    scale: tuple[tuple[int, str, str], ...]  # (level, name, meaning)
    sources: tuple[str, ...]  # framework version sources cited in the appendix
    comments: tuple[tuple[str, str, str], ...] = field(default=())  # (capability, author, text)
    evidence: tuple[EvidenceRow, ...] = field(default=())  # in the order of the capabilities

    @property
    def top_priorities(self) -> tuple[Gap, ...]:
        return self.gaps[:5]
