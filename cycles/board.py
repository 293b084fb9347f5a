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
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.countries import m49_name
from assessment.models import Assessment, AuditEvent, Country, country_names

from .members import FocalPointState, email_states_of, invitation_state, outbox_key
from .models import AllianceMember, Cycle
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


@dataclass(frozen=True)
class BoardCountry:
    """What the board shows of a country, read as plain values: at 196 countries, building
    model instances (member, country, focal point, invitation) cost more than the rest of the
    board. `name` and `region_label` are in the language active when the board was read."""

    pk: str
    name: str
    region_code: int | None
    region_label: str
    hemisphere: str


# The best of a country's focal points: active, else invited, else why not.
FOCAL_ORDER = (
    FocalPointState.ACTIVE,
    FocalPointState.INVITED,
    FocalPointState.BOUNCED,
    FocalPointState.EXPIRED,
    FocalPointState.NOT_INVITED,
)


@dataclass
class BoardRow:
    country: BoardCountry
    member_since: date
    focal_states: set[str] = field(default_factory=set)  # one per focal point
    assessment_status: str = NOT_STARTED
    last_activity: datetime | None = None
    deadline: date = date.min
    extended: bool = False
    days_left: int = 0

    @property
    def focal_state(self) -> str:
        """The best of the country's focal points: active, else invited, else why not."""
        states = self.focal_states or {FocalPointState.NOT_INVITED}
        return next(s for s in FOCAL_ORDER if s in states)

    @property
    def may_open(self) -> bool:
        """Whether the secretariat may open the country's assessment (never a draft)."""
        return self.assessment_status in Assessment.SEEN_BY_SECRETARIAT

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


@dataclass
class Members:
    """Every current member's row, its focal points' states filled in (the rest is filled by
    board_rows), and the UN regions they are in for the filter: read once per request."""

    rows: dict[str, BoardRow]  # by country code
    regions: list[tuple[int, str]]  # (M49 code, name in the active language), by name


def members_read() -> Members:
    """One query for the members and their focal points (a line per focal point; a member
    without one comes once, with None), one more for the emails of their invitations if any.
    Read as plain values, each name and region looked up once, not through a model property
    in every row."""
    names = country_names(translation.get_language())
    regions: dict[tuple[int | None, str], str] = {}  # (code, stored name) -> name, as the form
    rows: dict[str, BoardRow] = {}
    invited = []
    for (
        code,
        since,
        region,
        region_name,
        hemisphere,
        is_demo,
        demo_name,
        focal_point,
        uuid,
        accepted_at,
        created_at,
    ) in (
        AllianceMember.objects.current()
        .order_by("country")
        .values_list(
            "country_id",
            "member_since",
            "country__region_code",
            "country__region_name",
            "country__hemisphere",
            "country__is_demo",
            "country__demo_name",
            "focal_points",
            "focal_points__invitation__uuid",
            "focal_points__invitation__accepted_at",
            "focal_points__invitation__created_at",
        )
    ):
        row = rows.get(code)
        if row is None:
            if (region, region_name) not in regions:
                regions[region, region_name] = m49_name(region, region_name)
            # As Country.name; a demo country's wording from the model itself (a few rows).
            name = (
                Country(code=code, is_demo=True, demo_name=demo_name).name
                if is_demo
                else names.get(code) or code
            )
            country = BoardCountry(code, name, region, regions[region, region_name], hemisphere)
            row = rows[code] = BoardRow(country=country, member_since=since)
        if uuid is not None:
            invited.append((row, uuid, accepted_at, created_at))
        elif focal_point is not None:
            row.focal_states.add(FocalPointState.NOT_INVITED)
    emails = email_states_of([outbox_key(uuid) for _row, uuid, _a, _c in invited])
    now = timezone.now()
    for row, uuid, accepted_at, created_at in invited:
        row.focal_states.add(invitation_state(uuid, accepted_at, created_at, emails, now=now))
    named = [(code, label) for (code, _n), label in regions.items() if code is not None]
    return Members(rows, sorted(named, key=lambda p: p[1]))


def board_rows(
    cycle: Cycle, filters: BoardFilters, *, today: date, members: Members | None = None
) -> list[BoardRow]:
    """Four queries whatever the number of countries (five with focal points invited);
    `members` if already read for this request (the filter form's regions)."""
    every = (members or members_read()).rows
    rows = {
        code: row
        for code, row in every.items()
        if (not filters.region or row.country.region_code == filters.region)
        and (not filters.hemisphere or row.country.hemisphere == filters.hemisphere)
    }
    # Filtered by cycle only: a list of 196 codes costs more to send than the few rows it skips.
    for code, status in (
        Assessment.objects.filter(cycle=cycle.year)
        .order_by("country", "revision")
        .values_list("country", "status")
    ):
        if code in rows:
            rows[code].assessment_status = status  # the latest revision's
    since = timezone.make_aware(datetime.combine(cycle.opens_on, datetime.min.time()))
    for code, at in (
        # Not filtered by member either: at most a line per country, and a list of 196 codes
        # (or a subquery) costs more to send or build than the few lines it skips.
        AuditEvent.objects.filter(at__gte=since)
        .values("country")
        .annotate(last=Max("at"))
        .values_list("country", "last")
    ):
        if code in rows:
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
    focal_labels = {k: str(v) for k, v in FocalPointState.LABELS.items()}  # once, not per row
    statuses = list(ASSESSMENT_LABELS)
    keys = {
        "country": lambda r: r.country.name.casefold(),
        "region": lambda r: (r.country.region_label or "", r.country.name.casefold()),
        "focal_point": lambda r: focal_labels[r.focal_state],
        "assessment": lambda r: statuses.index(r.assessment_status),
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
    # Each label translated once, not once per row (a lazy string translates on every str()).
    hemispheres = {k: str(v) for k, v in Country.Hemisphere.choices}
    focal_labels = {k: str(v) for k, v in FocalPointState.LABELS.items()}
    statuses = {k: str(v) for k, v in ASSESSMENT_LABELS.items()}
    for r in rows:
        yield [
            r.country.name,
            r.country.pk,
            r.country.region_label,
            hemispheres.get(r.country.hemisphere, r.country.hemisphere),
            r.member_since.isoformat(),
            focal_labels[r.focal_state],
            statuses[r.assessment_status],
            r.last_activity.date().isoformat() if r.last_activity else "",
            r.deadline.isoformat(),
            r.days_left if r.assessment_status in OPEN_STATES else "",
        ]
