"""The cycle's board: every member country's state in one table, in a fixed number of queries.

It says where each country is (focal point invited or active; assessment not started, draft,
submitted, returned, validated), when its team last did something and how far the deadline is.
Never anything of a draft's content: no score, level or answer count. A draft is the country's
own; the board reads only its status and the time of the latest logged change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.models import Assessment, AuditEvent, Country

from .members import FocalPointState, FocalPointView, focal_point_views
from .models import AllianceMember, Cycle, FocalPoint
from .running import deadlines_of

NOT_STARTED = "not_started"
ASSESSMENT_LABELS = {NOT_STARTED: gettext_lazy("Not started"), **dict(Assessment.Status.choices)}
# A country is "late" while its assessment is not with the secretariat after its deadline.
OPEN_STATES = (NOT_STARTED, Assessment.Status.DRAFT, Assessment.Status.RETURNED)
SORTS = ("country", "region", "focal_point", "assessment", "activity", "deadline")


@dataclass(frozen=True)
class BoardFilters:
    region: int | None = None
    hemisphere: str = ""
    status: str = ""  # an assessment state, or "overdue"


@dataclass
class BoardRow:
    country: Country
    member_since: date
    focal_points: list[FocalPointView] = field(default_factory=list)
    assessment_status: str = NOT_STARTED
    assessment_uuid: str = ""  # only for states the secretariat may open
    last_activity: datetime | None = None
    deadline: date = date.min
    extended: bool = False
    days_left: int = 0

    @property
    def focal_state(self) -> str:
        """The best of the country's focal points: active, else invited, else why not."""
        order = [
            FocalPointState.ACTIVE,
            FocalPointState.INVITED,
            FocalPointState.BOUNCED,
            FocalPointState.EXPIRED,
            FocalPointState.NOT_INVITED,
        ]
        states = {v.state for v in self.focal_points} or {FocalPointState.NOT_INVITED}
        return next(s for s in order if s in states)

    @property
    def focal_label(self) -> str:
        return str(FocalPointState.LABELS[self.focal_state])

    @property
    def assessment_label(self) -> str:
        return str(ASSESSMENT_LABELS[self.assessment_status])

    @property
    def overdue(self) -> bool:
        return self.days_left < 0 and self.assessment_status in OPEN_STATES

    @property
    def deadline_words(self) -> str:
        if self.assessment_status not in OPEN_STATES:
            return ""
        if self.days_left < 0:
            return _("%(n)s days overdue") % {"n": -self.days_left}
        return _("%(n)s days left") % {"n": self.days_left}


def board_rows(cycle: Cycle, filters: BoardFilters, *, today: date) -> list[BoardRow]:
    """Six queries whatever the number of countries."""
    found = AllianceMember.objects.current().select_related("country").order_by("country")
    if filters.region:
        found = found.filter(country__region_code=filters.region)
    if filters.hemisphere:
        found = found.filter(country__hemisphere=filters.hemisphere)
    members = list(found)
    rows = {m.country_id: BoardRow(country=m.country, member_since=m.member_since) for m in members}
    codes = list(rows)
    country_of = {m.pk: m.country_id for m in members}
    focal_points = list(
        FocalPoint.objects.filter(member__in=list(country_of))
        .select_related("invitation")
        .order_by("name")
    )
    for view in focal_point_views(focal_points):
        rows[country_of[view.focal_point.member_id]].focal_points.append(view)
    # Filtered by cycle only: a list of 196 codes costs more to send than the few rows it skips.
    for code, status, uuid in (
        Assessment.objects.filter(cycle=cycle.year)
        .order_by("country", "revision")
        .values_list("country", "status", "uuid")
    ):
        if code in rows:
            rows[code].assessment_status = status
            rows[code].assessment_uuid = (
                str(uuid) if status in Assessment.SEEN_BY_SECRETARIAT else ""
            )
    since = timezone.make_aware(datetime.combine(cycle.opens_on, datetime.min.time()))
    for code, at in (
        AuditEvent.objects.filter(country__in=codes, at__gte=since)
        .values("country")
        .annotate(last=Max("at"))
        .values_list("country", "last")
    ):
        rows[code].last_activity = at
    extended = deadlines_of(cycle)
    for code, row in rows.items():
        row.deadline = extended.get(code, cycle.deadline)
        row.extended = code in extended
        row.days_left = (row.deadline - today).days
    result = list(rows.values())
    if filters.status == "overdue":
        result = [r for r in result if r.overdue]
    elif filters.status:
        result = [r for r in result if r.assessment_status == filters.status]
    return result


def sort_board(rows: list[BoardRow], key: str, descending: bool) -> list[BoardRow]:
    """Alphabetical unless the reader chose a column."""
    keys = {
        "country": lambda r: str(r.country.name).casefold(),
        "region": lambda r: (r.country.region_label or "", str(r.country.name).casefold()),
        "focal_point": lambda r: r.focal_label,
        "assessment": lambda r: list(ASSESSMENT_LABELS).index(r.assessment_status),
        "activity": lambda r: (r.last_activity is not None, r.last_activity or datetime.min),
        "deadline": lambda r: r.days_left,
    }
    chosen = keys.get(key, keys["country"])
    return sorted(rows, key=chosen, reverse=descending)


def board_header() -> list[str]:
    return [
        _("Country"),
        _("ISO code"),
        _("UN region"),
        _("North / South"),
        _("Member since"),
        _("Focal point"),
        _("Assessment"),
        _("Last activity"),
        _("Deadline"),
        _("Days to the deadline"),
    ]


def board_table(rows: list[BoardRow]) -> Iterator[list[object]]:
    """The board as rows for CSV and XLSX, in the reader's language."""
    hemispheres = dict(Country.Hemisphere.choices)
    for r in rows:
        yield [
            str(r.country.name),
            r.country.pk,
            r.country.region_label,
            str(hemispheres.get(r.country.hemisphere, r.country.hemisphere)),
            r.member_since.isoformat(),
            r.focal_label,
            r.assessment_label,
            r.last_activity.date().isoformat() if r.last_activity else "",
            r.deadline.isoformat(),
            r.days_left if r.assessment_status in OPEN_STATES else "",
        ]
