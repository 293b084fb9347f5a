"""The sharing promise over random workflows (issue 22 §2): a stateful property-based test.

Hypothesis plays random sequences of the workflow's steps (start, answer, peer consent on and
off, submit by name or for aggregates only, return, validate, reopen, a new cycle from the
previous one, a move to the corrected framework version) for five countries over three cycles,
and after **every** step checks the promises through the functions the pages, exports and API
call (`access`, `comparison`, `peers.peers_for`, the reviews' tables, the API's serializer):

- no analyst-visible surface names or links an assessment whose country-cycle is aggregate only;
- every published figure counts aggregate-only assessments only in groups of at least
  AGGREGATE_MIN_GROUP, alone and as the difference of the same figure under any two filters;
  and how many a view leaves out is said only where safe;
- a country's team never reads another country's data; a draft is never the secretariat's;
- stored (frozen) scores equal a fresh score of what was submitted;
- what the comparison keeps between requests draws the same rows, figures and pages as nothing
  kept (`kept_check.py`).

The truth it compares with is computed here from the rows, independently of the app's query:
a country-cycle is shared as its latest submitted revision says; the secretariat's row is the
latest revision it sees.

The normal suite runs a few sequences, the same every time (derandomized, seconds). For a long
random run: `MNR_STATEFUL_EXAMPLES=60 MNR_STATEFUL_STEPS=25 .venv/bin/python -m pytest -n 0 -s
tests/test_sharing_state_machine.py` (docs/security.md).
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from api import serializers as api_serializers
from assessment import (
    access,
    answering,
    frameworks_cache,
    frozen,
    peers,
    services,
    version_move,
    workflow,
)
from assessment.models import (
    Assessment,
    CapabilityAnswer,
    Country,
    CriterionAnswer,
    FrozenScores,
    Membership,
)
from frameworks.loader import load_frameworks
from frameworks.models import FrameworkVersion
from secretariat import comparison as cmp
from secretariat.reviews import tables as reviews

from .compiled_check import check_compiled
from .factories import make_country, make_user
from .kept_check import check_kept

K = 2  # AGGREGATE_MIN_GROUP here: the smallest allowed, so that groups form in a small world
COUNTRIES = ("FR", "DE", "JP", "KE", "BR")  # North: Europe ×2, Asia; South: Africa, Americas
CYCLES = (2024, 2025, 2026)
SEEN = Assessment.SEEN_BY_SECRETARIAT
NAMED, AGGREGATE = Assessment.Sharing.NAMED, Assessment.Sharing.AGGREGATE
EXAMPLES = int(os.environ.get("MNR_STATEFUL_EXAMPLES", "0"))
STEPS = int(os.environ.get("MNR_STATEFUL_STEPS", "0"))
DATA = Path(__file__).resolve().parent.parent / "frameworks" / "data"

# Figures per run, printed with -s (the report's numbers).
RUN = {"examples": 0, "steps": 0, "checks": 0}


# --- the truth, from the rows ---------------------------------------------------------------


@dataclass(frozen=True)
class CycleTruth:
    revisions: tuple[Assessment, ...]  # by revision

    @property
    def sharing(self) -> str | None:
        """The latest submitted revision's choice (returned ones were submitted)."""
        submitted = [a for a in self.revisions if a.status != Assessment.Status.DRAFT]
        return submitted[-1].sharing if submitted else None

    @property
    def representing(self) -> Assessment | None:
        seen = [a for a in self.revisions if a.status in SEEN]
        return seen[-1] if seen else None

    @property
    def named(self) -> bool:
        return self.representing is not None and self.sharing == NAMED


def truth() -> dict[tuple[str, int], CycleTruth]:
    by_cycle: dict[tuple[str, int], list[Assessment]] = defaultdict(list)
    for a in Assessment.objects.order_by("revision"):
        by_cycle[(a.country_id, a.cycle)].append(a)
    return {key: CycleTruth(tuple(v)) for key, v in by_cycle.items()}


def whole(f: cmp.Filters) -> bool:
    """Whether a filter keeps the disclosure cells (cycles) whole."""
    return not (f.region or f.subregion or f.hemisphere or f.status or f.country)


def reads(user: Any, a: Assessment) -> bool:
    try:
        access.assessment_for(user, a.uuid)
    except Http404:
        return False
    return True


# --- the machine --------------------------------------------------------------------------


class World:
    """What every example shares: users, framework versions, filters (made once per test)."""

    def __init__(self) -> None:
        self.analyst = make_user("sm-analyst", role=Membership.Role.ANALYST)
        self.admin = make_user("sm-admin", role=Membership.Role.ADMIN)
        self.countries = {c.pk: c for c in Country.objects.filter(pk__in=COUNTRIES)}
        self.coordinators = {
            code: make_user(f"sm-{code}", country=c, role=Membership.Role.COORDINATOR)
            for code, c in self.countries.items()
        }
        # The peer seeker: a demo country's draft, outside every example's rollback.
        self.seeker = services.assessment_start(
            country=make_country("XA", "Arvenia (demo)"), cycle=2026, user=None
        )
        self.old = {
            v.framework.kind: v
            for v in FrameworkVersion.objects.select_related("framework").filter(number=1)
        }
        self.codes = [
            c.code for c in frameworks_cache.mnr_tree(self.seeker.mnr_version).capabilities
        ]
        europe = self.countries["FR"].region_code
        # Every view of whole cells (all cycles first, then each cycle), each kind of cut,
        # the status filters (a status must never bring back an older revision) and the
        # issue's narrowing filter (§3).
        self.filters = [cmp.Filters(cycle=cycle) for cycle in (None, *CYCLES)]
        self.filters += [
            cmp.Filters(hemisphere="south"),
            cmp.Filters(region=europe),
            cmp.Filters(status="validated"),
            cmp.Filters(status="submitted"),
            cmp.Filters(cycle=2026, hemisphere="south", status="submitted"),
        ]


WORLD: World | None = None


class SharingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        assert WORLD is not None
        self.w = WORLD
        # Each example starts from the same rows and leaves none behind.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        frozen.clear_cache()
        RUN["examples"] += 1

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        frozen.clear_cache()

    # -- helpers --

    def latest(self, code: str, cycle: int) -> Assessment | None:
        return Assessment.objects.filter(country=code, cycle=cycle).order_by("-revision").first()

    def where(self, *statuses: str) -> list[Assessment]:
        """The latest revision of each country-cycle, when it is in one of these statuses."""
        out = []
        for t in truth().values():
            last = t.revisions[-1]
            if last.status in statuses and last.country_id in COUNTRIES:
                out.append(last)
        return sorted(out, key=lambda a: (a.country_id, a.cycle))

    def fresh(self, a: Assessment) -> Assessment:
        got = Assessment.objects.with_frameworks().get(pk=a.pk)
        frameworks_cache.attach_versions(got)
        return got

    def answer(self, a: Assessment, seed: int, share: bool) -> None:
        """Answer every capability and criterion through the app's save functions."""
        a = self.fresh(a)
        rng = random.Random(seed)
        tree = frameworks_cache.mnr_tree(a.mnr_version)
        versions = dict(
            CapabilityAnswer.objects.filter(assessment=a).values_list("capability_id", "version")
        )
        for cap in tree.capabilities:
            answering.capability_answers_save(
                assessment=a,
                capability=cap,
                user=None,
                response=rng.choice(["0", "1", "2", "3", "4", "4", "dont_know"]),
                evidence="",
                indicator_values={
                    i: rng.choice(["yes", "partly", "no"])
                    for i in cap.indicator_list  # type: ignore[attr-defined]
                    if rng.random() < 0.5
                },
                version=versions.get(cap.pk, 0),
                share_with_peers=share and rng.random() < 0.7,
            )
        criteria = [c for c in frameworks_cache.criteria_of(a.legislation_version) if c.scored]
        stored = dict(
            CriterionAnswer.objects.filter(assessment=a).values_list("criterion_id", "version")
        )
        answering.criterion_answers_save(
            assessment=a,
            user=None,
            answers={
                c: answering.CriterionInput(
                    rng.choice(["met", "met", "not_met", "dont_know"]),
                    "",
                    stored.get(c.pk, 0),
                    True,
                )
                for c in criteria
            },
        )

    # -- a starting world, quickly: rows through the app's own functions --

    @initialize(
        plan=st.lists(
            st.tuples(
                st.sampled_from(COUNTRIES),
                st.sampled_from(CYCLES),
                st.sampled_from([NAMED, AGGREGATE]),
                st.booleans(),  # validated (else submitted)
            ),
            max_size=5,
            unique_by=lambda t: (t[0], t[1]),
        ),
        seed=st.integers(0, 1000),
    )
    def start_world(self, plan: list[tuple[str, int, str, bool]], seed: int) -> None:
        for i, (code, cycle, sharing, validated) in enumerate(sorted(plan, key=lambda t: t[1])):
            a = services.assessment_start(country=self.w.countries[code], cycle=cycle, user=None)
            self.answer(a, seed + i, share=True)
            workflow.submit(assessment=a, sharing=sharing, user=None)
            if validated:
                workflow.review(assessment=a, validate=True, comment="", user=None)
            RUN["steps"] += 1

    # -- the steps --

    @rule(
        code=st.sampled_from(COUNTRIES),
        cycle=st.sampled_from(CYCLES),
        old=st.booleans(),
    )
    def start(self, code: str, cycle: int, old: bool) -> None:
        """Start a cycle (from the previous cycle's answers when there is one), on the latest
        framework versions or on the older ones (to be moved later)."""
        RUN["steps"] += 1
        if self.latest(code, cycle) is not None:
            with pytest.raises(services.AssessmentExists):
                services.assessment_start(country=self.w.countries[code], cycle=cycle, user=None)
            return
        services.assessment_start(
            country=self.w.countries[code],
            cycle=cycle,
            user=None,
            versions=self.w.old if old else None,
        )

    @precondition(lambda self: self.where(*Assessment.EDITABLE))
    @rule(data=st.data(), seed=st.integers(0, 1000), share=st.booleans())
    def answer_everything(self, data: st.DataObject, seed: int, share: bool) -> None:
        RUN["steps"] += 1
        a = data.draw(st.sampled_from(self.where(*Assessment.EDITABLE)))
        self.answer(a, seed, share)

    @precondition(lambda self: self.where(*Assessment.EDITABLE))
    @rule(data=st.data(), on=st.booleans())
    def peer_consent(self, data: st.DataObject, on: bool) -> None:
        """Turn "share with peers" on or off for one capability (at level 4 when on)."""
        RUN["steps"] += 1
        a = self.fresh(data.draw(st.sampled_from(self.where(*Assessment.EDITABLE))))
        cap = data.draw(st.sampled_from(frameworks_cache.mnr_tree(a.mnr_version).capabilities))
        current = CapabilityAnswer.objects.filter(assessment=a, capability=cap).first()
        answering.capability_answers_save(
            assessment=a,
            capability=cap,
            user=None,
            response="4" if on else (current.response if current else "2") or "2",
            evidence="",
            indicator_values={},
            version=current.version if current else 0,
            share_with_peers=on,
        )

    @precondition(lambda self: self.where(*Assessment.EDITABLE))
    @rule(data=st.data(), sharing=st.sampled_from([NAMED, AGGREGATE]))
    def submit(self, data: st.DataObject, sharing: str) -> None:
        RUN["steps"] += 1
        a = data.draw(st.sampled_from(self.where(*Assessment.EDITABLE)))
        before = (a.status, a.sharing)
        try:
            workflow.submit(assessment=a, sharing=sharing, user=None)
        except workflow.WorkflowError:
            a.refresh_from_db()
            assert (a.status, a.sharing) == before  # refused: nothing changed
            assert not FrozenScores.objects.filter(assessment=a).exists()

    @precondition(lambda self: self.where(Assessment.Status.SUBMITTED))
    @rule(data=st.data(), validate=st.booleans())
    def review(self, data: st.DataObject, validate: bool) -> None:
        RUN["steps"] += 1
        a = data.draw(st.sampled_from(self.where(Assessment.Status.SUBMITTED)))
        workflow.review(assessment=a, validate=validate, comment="Please check.", user=None)

    @precondition(lambda self: self.where(Assessment.Status.VALIDATED))
    @rule(data=st.data())
    def reopen(self, data: st.DataObject) -> None:
        RUN["steps"] += 1
        a = data.draw(st.sampled_from(self.where(Assessment.Status.VALIDATED)))
        workflow.reopen(assessment=a, user=None)

    @precondition(lambda self: self.where(*Assessment.EDITABLE))
    @rule(data=st.data())
    def move_version(self, data: st.DataObject) -> None:
        RUN["steps"] += 1
        a = self.fresh(data.draw(st.sampled_from(self.where(*Assessment.EDITABLE))))
        if version_move.newer_versions(assessment=a):
            version_move.version_move(assessment=a, user=None)
        else:
            with pytest.raises(version_move.MoveRefused):
                version_move.version_move(assessment=a, user=None)

    # -- the promises, after every step --

    @invariant()
    def promises_hold(self) -> None:
        RUN["checks"] += 1
        t = truth()
        everything = [a for cycle in t.values() for a in cycle.revisions]
        # First, before the checks below fill them: what was kept at the last step.
        check_kept(self.w.admin, self.w.filters, COUNTRIES[RUN["checks"] % 5], RUN["checks"])
        check_readers(self.w, t, everything)
        check_figures(self.w, t)
        check_peers(self.w, t)
        check_frozen(everything)
        check_compiled(everything)


def check_readers(w: World, t: dict[tuple[str, int], CycleTruth], everything: list[Any]) -> None:
    named_rows = {c.representing.pk for c in t.values() if c.named}  # type: ignore[union-attr]
    represented = {c.representing.pk for c in t.values() if c.representing is not None}
    # Lists: one row per country-cycle for the secretariat; the analyst's only named ones.
    analyst_list = access.readable_assessments(w.analyst)
    assert {a.pk for a in analyst_list} == named_rows
    assert len(analyst_list) == len(named_rows)
    admin_list = access.readable_assessments(w.admin)
    assert {a.pk for a in admin_list} == represented and len(admin_list) == len(represented)
    # The API's list and detail say the cycle's choice.
    for a in admin_list:
        shown = api_serializers.AssessmentSerializer(
            a, context={"scores": frozen.stored_scores([a])}
        ).data["sharing"]
        assert shown == t[(a.country_id, a.cycle)].sharing
    for i, a in enumerate(everything):
        cycle = t[(a.country_id, a.cycle)]
        # Detail pages, exports and API detail all open through assessment_for.
        assert reads(w.analyst, a) == (a.status in SEEN and cycle.sharing == NAMED), a
        assert reads(w.admin, a) == (a.status in SEEN), a  # drafts are the country's own
        # Its own team reads it; another country's team (a different one each time) never.
        if a.country_id in w.coordinators:
            assert reads(w.coordinators[a.country_id], a), a
            other = COUNTRIES[(COUNTRIES.index(a.country_id) + 1 + i % 4) % len(COUNTRIES)]
        else:  # the peer seeker's draft
            other = COUNTRIES[i % len(COUNTRIES)]
        assert not reads(w.coordinators[other], a), (other, a)
    code = COUNTRIES[RUN["checks"] % len(COUNTRIES)]  # one team's list per step, in turn
    listed = access.readable_assessments(w.coordinators[code])
    assert {a.pk for a in listed} == {a.pk for a in everything if a.country_id == code}


def check_figures(w: World, t: dict[tuple[str, int], CycleTruth]) -> None:
    seen: dict[str, set[frozenset[str]]] = defaultdict(set)
    said: set[int] = set()
    everything = None
    for f in w.filters:
        comparison = cmp.load_rows(f)
        if f == cmp.Filters():
            everything = comparison  # read again below by the map and the review matrix
        keys = [(r.country.pk, r.cycle) for r in comparison.rows]
        assert len(keys) == len(set(keys)), f  # never a second row for a country-cycle
        for r in comparison.rows:
            cycle = t[(r.country.pk, r.cycle)]
            assert cycle.representing is not None and r.uuid == str(cycle.representing.uuid)
            assert r.named == (cycle.sharing == NAMED), (f, r.country.pk, r.cycle)
        agg = cmp.aggregates(comparison)
        hidden_uuids = {r.uuid for r in comparison.rows if not r.named}
        for figure, group in agg.hidden_counted.items():
            assert group <= hidden_uuids
            assert len(group) == 0 or len(group) >= K, (f, figure, len(group))
            assert whole(f) or not group, (f, figure)
            seen[figure].add(group)
        numbers = [agg.left_out, comparison.hidden_count] + [r.left_out for r in agg.legislation]
        for n in numbers:
            assert n is None or (whole(f) and (n == 0 or n >= K)), (f, n)
        if agg.left_out is not None:
            said.add(agg.left_out)
    # The same figure under two filters differs by nothing or by a group of at least K.
    for figure, groups in seen.items():
        for a, b in itertools.combinations(groups, 2):
            assert len(a - b) == 0 or len(a - b) >= K, figure
            assert len(b - a) == 0 or len(b - a) >= K, figure
    for a_, b_ in itertools.combinations(said, 2):
        assert abs(a_ - b_) >= K
    # Trends count named country-cycles only and never say how many they leave out.
    for since, until in itertools.combinations(CYCLES, 2):
        both = {
            code
            for code in COUNTRIES
            if t.get((code, since))
            and t[(code, since)].named
            and t.get((code, until))
            and t[(code, until)].named
        }
        trend = cmp.trend(cmp.Filters(), since, until)
        assert trend.left_out in (None, 0)
        assert all(r.countries <= len(both) for r in trend.rows)
    for code in COUNTRIES:
        cycles = [c for (k, _y), c in t.items() if k == code and c.representing is not None]
        allowed = bool(cycles) and all(c.sharing == NAMED for c in cycles)
        assert cmp.trend_by_name_allowed(code) == allowed, code
    # The map and the review beside the self-assessments: named country-cycles only.
    assert everything is not None
    for code, row in reviews.shared_by_name(everything.rows).items():
        assert t[(code, row.cycle)].named
    rule = reviews.rule_of(_review_stub())
    review_rows = [
        reviews.ReviewRow(c, {k: True for k in cmp.LAW_CODES}, reviews.judge({}, rule))
        for c in w.countries.values()
    ]
    for m in reviews.review_matrix(review_rows, everything.named_rows):
        if m.assessment is not None:
            assert t[(m.assessment.country.pk, m.assessment.cycle)].named


def _review_stub() -> Any:
    from secretariat.models import LegislativeReview

    return LegislativeReview(rules={"required": ["legislation"], "at_least": 3})


def check_peers(w: World, t: dict[tuple[str, int], CycleTruth]) -> None:
    """Listed as a peer: a country whose latest validated assessment (latest cycle, then
    revision) is of a cycle shared by name, at level 4 with consent; never the seeker's own
    country."""
    latest: dict[str, tuple[int, int, Assessment, CycleTruth]] = {}
    for c in t.values():
        for a in c.revisions:
            if a.status == Assessment.Status.VALIDATED:
                if a.country_id not in latest or (a.cycle, a.revision) > latest[a.country_id][:2]:
                    latest[a.country_id] = (a.cycle, a.revision, a, c)
    shared = [a.pk for _, _, a, c in latest.values() if c.sharing == NAMED]
    expected: dict[str, set[str]] = defaultdict(set)
    for code, country in CapabilityAnswer.objects.filter(
        assessment__in=shared, response="4", share_with_peers=True, to_confirm=False
    ).values_list("capability__code", "assessment__country"):
        if country != w.seeker.country_id:
            expected[code].add(str(w.countries[country].name))
    found = peers.peers_for(w.seeker, w.codes)
    assert {k: set(v) for k, v in found.items()} == dict(expected)


def check_frozen(everything: list[Assessment]) -> None:
    """What the comparison and the API read (stored scores) is a fresh score of the answers
    submitted; editable assessments store none."""
    for a in everything:
        a = Assessment.objects.select_related("frozen_scores").get(pk=a.pk)
        frameworks_cache.attach_versions(a)
        stored = FrozenScores.objects.filter(assessment=a).exists()
        assert stored == (a.status in SEEN), a
        if stored:
            frozen.clear_cache()
            assert frozen.stored_scores([a])[a.pk] == services.assessment_scores(a), a


# --- the test -----------------------------------------------------------------------------


def test_the_sharing_promises_hold_after_every_step_of_random_workflows(
    no_frameworks: None, settings: Any
) -> None:
    global WORLD
    settings.AGGREGATE_MIN_GROUP = K
    # The archived framework versions and the corrected ones, as after an upgrade.
    load_frameworks(sorted((DATA / "archive").glob("*-v1.yaml")))
    load_frameworks()
    WORLD = World()
    long_run = bool(EXAMPLES)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        run_state_machine_as_test(
            SharingMachine,
            settings=settings_for(long_run),
        )
    finally:
        WORLD = None
    print(
        f"\n{RUN['examples']} sequences, {RUN['steps']} steps, {RUN['checks']} checks of every "
        f"promise, {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s of CPU)"
    )


def settings_for(long_run: bool) -> hsettings:
    return hsettings(
        max_examples=EXAMPLES or 5,
        stateful_step_count=STEPS or 8,
        deadline=None,
        database=None,  # no .hypothesis/ folder in the repository
        derandomize=not long_run,  # the normal suite plays the same sequences every time
        # Shrinking a failure replays hundreds of sequences (minutes): the long run does it;
        # the normal suite reports the failing sequence as found.
        phases=list(Phase) if long_run else [Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
