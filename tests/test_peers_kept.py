"""The peers a plan lists, kept between requests under the stamp every write to an assessment
or a country replaces (`assessment.peers`): read once while nothing is written, and after
each kind of write what a fresh read says. Each write test changes one thing the peers are
drawn from, through one way of writing; it fails if that way leaves the stamp as it was.
The sharing state machine (`test_sharing_state_machine.py`) checks them after every step
of its workflows too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assessment import answering, frameworks_cache, peers, workflow
from assessment.models import (
    LEGISLATION_SECTION,
    Assessment,
    AuditEvent,
    CapabilityAnswer,
    Country,
    WriteStamp,
)

from .factories import answer_all, make_assessment, make_country

pytestmark = pytest.mark.usefixtures("frameworks")


@pytest.fixture
def seeker() -> Assessment:
    return make_assessment(make_country("XA", "Arvenia (demo)"))


def validated(code: str, name: str, cycle: int = 2025, share: bool = True) -> Assessment:
    a = make_assessment(make_country(code, name), cycle=cycle)
    answer_all(a, {"C04": "4"}, share=share, default="3")
    Assessment.objects.filter(pk=a.pk).update(status=Assessment.Status.VALIDATED)
    return Assessment.objects.get(pk=a.pk)


def fresh(seeker: Assessment) -> dict[str, list[str]]:
    """What the peers are, read now and kept nowhere."""
    peers._kept.clear()
    return peers.peers_for(seeker, ["C04"])


def test_the_peers_are_read_once_while_nothing_is_written(seeker):
    validated("XB", "Belmora (demo)")
    first = peers.peers_for(seeker, ["C04"])
    assert first == {"C04": ["Belmora (demo)"]}
    with CaptureQueriesContext(connection) as ctx:
        assert peers.peers_for(seeker, ["C04"]) == first
    assert [q["sql"] for q in ctx.captured_queries] == [
        f"SELECT token FROM {WriteStamp._meta.db_table} WHERE id = 1"
    ]


def test_the_kept_peers_never_list_the_seekers_own_country(seeker):
    validated("XB", "Belmora (demo)")
    other = validated("XC", "Corvania (demo)")
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Belmora (demo)", "Corvania (demo)"]}
    # The same kept lists, read for Corvania's own plan.
    assert peers.peers_for(other, ["C04", "C07"]) == {"C04": ["Belmora (demo)"]}


def reopened(peer: Assessment) -> Assessment:
    """A new revision of `peer`, its copied answers confirmed as they are."""
    newer = workflow.reopen(assessment=peer, user=None)
    tree = frameworks_cache.mnr_tree(newer.mnr_version)
    for section in {c.domain.code for c in tree.capabilities} | {LEGISLATION_SECTION}:
        answering.section_confirm(assessment=newer, section=section, user=None)
    return newer


def _validate_through_the_workflow(peer: Assessment) -> None:
    newer = reopened(peer)
    c04 = CapabilityAnswer.objects.select_related("capability").get(
        assessment=newer, capability__code="C04"
    )
    answering.capability_answers_save(  # fell back since
        assessment=newer,
        capability=c04.capability,
        user=None,
        response="2",
        evidence="",
        indicator_values={},
        version=c04.version,
        share_with_peers=True,
    )
    workflow.submit(assessment=newer, sharing=Assessment.Sharing.NAMED, user=None)
    workflow.review(assessment=newer, validate=True, comment="", user=None)


def _submit_a_revision_for_aggregates_only(peer: Assessment) -> None:
    newer = reopened(peer)  # as validated, but for aggregates only
    workflow.submit(assessment=newer, sharing=Assessment.Sharing.AGGREGATE, user=None)


def _save(peer: Assessment) -> None:
    peer.status = Assessment.Status.SUBMITTED
    peer.save(update_fields=["status"])


def _delete(peer: Assessment) -> None:
    AuditEvent.objects.filter(assessment=peer).delete()  # as removing a demonstration does
    peer.delete()


def _delete_from_a_queryset(peer: Assessment) -> None:
    AuditEvent.objects.filter(assessment=peer).delete()
    Assessment.objects.filter(pk=peer.pk).delete()


def _update_a_queryset(peer: Assessment) -> None:
    Assessment.objects.filter(pk=peer.pk).update(sharing=Assessment.Sharing.AGGREGATE)


def _bulk_update(peer: Assessment) -> None:
    peer.sharing = Assessment.Sharing.AGGREGATE
    Assessment.objects.bulk_update([peer], ["sharing"])


def _bulk_create_a_later_cycle(peer: Assessment) -> None:
    # Validated in 2026 with no answer at the top level: 2025 is no longer what it offers.
    later = Assessment(
        country=peer.country,
        cycle=2026,
        status=Assessment.Status.VALIDATED,
        mnr_version=peer.mnr_version,
        legislation_version=peer.legislation_version,
        recommendations_version=peer.recommendations_version,
    )
    Assessment.objects.bulk_create([later])


@pytest.mark.parametrize(
    "write",
    [
        _validate_through_the_workflow,
        _submit_a_revision_for_aggregates_only,
        _save,
        _delete,
        _delete_from_a_queryset,
        _update_a_queryset,
        _bulk_update,
        _bulk_create_a_later_cycle,
    ],
)
def test_each_write_to_an_assessment_shows_at_once(
    seeker, write: Callable[[Assessment], None]
) -> None:
    peer = validated("XB", "Belmora (demo)")
    validated("XC", "Corvania (demo)")
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Belmora (demo)", "Corvania (demo)"]}
    write(peer)
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Corvania (demo)"]} == fresh(seeker)


def test_a_new_peer_shows_at_once(seeker):
    validated("XC", "Corvania (demo)")
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Corvania (demo)"]}
    peer = make_assessment(make_country("XB", "Belmora (demo)"), cycle=2025)
    answer_all(peer, {"C04": "4"}, share=True, default="3")
    workflow.submit(assessment=peer, sharing=Assessment.Sharing.NAMED, user=None)
    assert "Belmora (demo)" not in peers.peers_for(seeker, ["C04"])["C04"]  # not validated yet
    workflow.review(assessment=peer, validate=True, comment="", user=None)
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Belmora (demo)", "Corvania (demo)"]}


def test_a_countrys_new_name_shows_at_once(seeker):
    validated("XB", "Belmora (demo)")
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Belmora (demo)"]}
    country = Country.objects.get(pk="XB")
    country.demo_name = "Belmora Republic (demo)"
    country.save()
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Belmora Republic (demo)"]}


def test_a_write_rolled_back_leaves_the_peers_it_found(seeker):
    peer = validated("XB", "Belmora (demo)")
    waiting = make_assessment(make_country("XC", "Corvania (demo)"), cycle=2025)
    answer_all(waiting, {"C04": "4"}, share=True, default="3")
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Belmora (demo)"]}

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        Assessment.objects.filter(pk=peer.pk).update(sharing=Assessment.Sharing.AGGREGATE)
        assert peers.peers_for(seeker, ["C04"]) == {}  # kept under the write's own stamp
        raise RolledBack
    # The next write's stamp is never the one rolled back, whose peers are still kept (a
    # counter would count to it again).
    Assessment.objects.filter(pk=waiting.pk).update(status=Assessment.Status.VALIDATED)
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Belmora (demo)", "Corvania (demo)"]}


def test_without_a_stamp_nothing_is_kept(seeker):
    validated("XB", "Belmora (demo)")
    WriteStamp.objects.all().delete()  # as a test's flush leaves the table
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Belmora (demo)"]}
        assert len(ctx) == 3  # the stamp, the answers, the demonstration countries' names
    Country.objects.filter(pk="XB").update(demo_name="Unchanged")  # no signal, no stamp
    validated("XC", "Corvania (demo)")  # a write puts a stamp back
    assert WriteStamp.objects.count() == 1
    assert peers.peers_for(seeker, ["C04"]) == {"C04": ["Corvania (demo)", "Unchanged (demo)"]}
