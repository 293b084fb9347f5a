"""Gap analysis on hand-computed cases. No database: gaps.py is pure."""

from __future__ import annotations

from assessment.gaps import CapabilityMeta, CriterionMeta, GapKind, changes_since, compute_gaps
from assessment.scoring import score

from .test_scoring import CRITERIA, DOMAINS, ICMEC_2018, RULES

META = [
    CapabilityMeta("C01", 1, "Leadership", "Policy", 1, True, 2, (("R07", "lead"),)),
    CapabilityMeta("C02", 2, "Research", "Policy", 1, False, 1, (("R04", "data"),)),
    CapabilityMeta("C03", 3, "Legislation", "Policy", 1, True, 2, (("R04", "law"),)),
    CapabilityMeta("C04", 4, "Police", "Justice", 2, True, 2, (("R11", "tools"),)),
    CapabilityMeta("C05", 5, "Courts", "Justice", 2, False, 1, (("R99", "unknown code"),)),
]
CRIT = [CriterionMeta(c.code, c.name, (("R04", "classify"),)) for c in CRITERIA]
TEXTS = {
    "R04": ("International community", "Classify offences.", "GTA 2019, s.09"),
    "R07": ("Nations", "Appoint a leader.", "GTA 2019, s.09"),
    "R11": ("Law enforcement", "Share tools.", "GTA 2019, s.09"),
}
TARGETS = dict.fromkeys(["C01", "C02", "C03", "C04", "C05"], 3)


def analyse(responses, criteria=None, targets=TARGETS, peers=None):
    scores = score(
        domains=DOMAINS,
        rules=RULES,
        responses=responses,
        indicator_answers={},
        criteria=CRITERIA,
        criterion_values=criteria or {},
        sufficiency=ICMEC_2018,
    )
    return compute_gaps(
        scores=scores,
        capabilities=META,
        criteria=CRIT,
        targets=targets,
        recommendations=TEXTS,
        peers=peers or {},
        legislation_weight=2,
        legislation_domain_order=1,
    )


def test_gap_for_every_capability_below_target_with_its_size():
    gaps = analyse({"C01": "3", "C02": "1", "C03": "4", "C04": "2", "C05": "0"})
    assert {g.key: g.size for g in gaps} == {"C02": 2, "C04": 1, "C05": 3}
    assert all(g.kind == GapKind.BUILD for g in gaps)


def test_priority_foundational_first_then_size_then_domain_order():
    gaps = analyse({"C01": "1", "C02": "0", "C03": "2", "C04": "0", "C05": "1"})
    # weight 2: C04 (size 3), C01 (size 2), C03 (size 1); weight 1: C02 (3), C05 (2).
    assert [g.key for g in gaps] == ["C04", "C01", "C03", "C02", "C05"]
    assert [g.priority for g in gaps] == [1, 2, 3, 4, 5]
    assert [g.band for g in gaps] == ["high", "high", "high", "medium", "medium"]


def test_same_weight_and_size_follow_domain_then_number():
    gaps = analyse({"C01": "2", "C03": "2", "C04": "2"})
    assert [g.key for g in gaps] == ["C01", "C03", "C04"]


def test_dont_know_is_a_find_out_gap_not_a_build_gap():
    gaps = analyse({"C02": "dont_know", "C05": "3"})
    assert [(g.key, g.kind, g.current, g.size) for g in gaps] == [
        ("C02", GapKind.FIND_OUT, None, 3)
    ]


def test_unanswered_and_not_applicable_make_no_gap():
    assert analyse({"C01": "not_applicable"}) == []


def test_raised_target_makes_a_gap_at_level_three():
    gaps = analyse({"C04": "3"}, targets=TARGETS | {"C04": 4})
    assert [(g.key, g.current, g.target, g.size) for g in gaps] == [("C04", 3, 4, 1)]


def test_each_unmet_criterion_is_a_law_gap_with_its_recommendations():
    values = {
        "legislation": "met",
        "definition": "not_met",
        "technology": "met",
        "possession": "dont_know",
        "isp_reporting": "met",
    }
    gaps = analyse({}, criteria=values)
    assert [(g.key, g.kind, g.size) for g in gaps] == [
        ("law:definition", GapKind.LAW, 1),
        ("law:possession", GapKind.LAW, 1),
    ]
    assert [r.code for r in gaps[0].recommendations] == ["R04"]


def test_recommendations_carry_actor_text_and_reason_unknown_codes_dropped():
    gaps = analyse({"C01": "0", "C05": "0"})
    c01 = next(g for g in gaps if g.key == "C01")
    assert c01.recommendations[0].actor == "Nations"
    assert c01.recommendations[0].reason == "lead"
    assert next(g for g in gaps if g.key == "C05").recommendations == ()


def test_peers_are_passed_through_for_their_capability():
    gaps = analyse({"C04": "1"}, peers={"C04": ["Belmora (demo)"]})
    assert gaps[0].peers == ("Belmora (demo)",)


def test_changes_since_previous_cycle():
    def s(responses, criteria=None):
        return score(
            domains=DOMAINS,
            rules=RULES,
            responses=responses,
            indicator_answers={},
            criteria=CRITERIA,
            criterion_values=criteria or {},
            sufficiency=ICMEC_2018,
        )

    before = s({"C01": "1", "C02": "3", "C03": "2"}, {"definition": "not_met"})
    now = s({"C01": "2", "C02": "1", "C03": "2"}, {"definition": "met"})
    changes = [(c.item, c.before, c.after, c.improved) for c in changes_since(now, before)]
    assert changes == [
        ("1. Leadership", "1", "2", True),
        ("2. Research", "3", "1", False),
        ("definition", "not_met", "met", True),
    ]
