"""The scoring rules on small hand-computed cases. No database: scoring is a pure function."""

from __future__ import annotations

import pytest

from assessment.scoring import (
    CapabilitySpec,
    CriterionSpec,
    DomainSpec,
    FlagKind,
    MnrRules,
    Progress,
    State,
    SufficiencyRule,
    Verdict,
    score,
)

RULES = MnrRules(
    max_level=4,
    indicator_values={"yes": 1, "partly": 0.5, "no": 0},
    high_level=3,
    low_level=1,
    share=0.5,
    legislation_capability="C03",
)
DOMAINS = (
    DomainSpec(
        "D1",
        "Policy",
        (
            CapabilitySpec("C01", 1, "Leadership", ("C01.1", "C01.2", "C01.3")),
            CapabilitySpec("C02", 2, "Research", ("C02.1", "C02.2", "C02.3")),
            CapabilitySpec("C03", 3, "Legislation", ("C03.1", "C03.2", "C03.3")),
        ),
    ),
    DomainSpec(
        "D2",
        "Justice",
        (
            CapabilitySpec("C04", 4, "Police", ("C04.1", "C04.2", "C04.3")),
            CapabilitySpec("C05", 5, "Courts", ("C05.1", "C05.2", "C05.3")),
        ),
    ),
)
CRITERIA = tuple(
    CriterionSpec(code, code)
    for code in ("legislation", "definition", "technology", "possession", "isp_reporting")
)
ICMEC_2018 = SufficiencyRule((), 4, "any four of five")
ICMEC_2006 = SufficiencyRule(
    ("legislation", "definition", "technology", "possession"),
    4,
    "all five, or all but ISP reporting",
)


def run(responses=None, indicators=None, criteria=None, rule=ICMEC_2018):
    return score(
        domains=DOMAINS,
        rules=RULES,
        responses=responses or {},
        indicator_answers=indicators or {},
        criteria=CRITERIA,
        criterion_values=criteria or {},
        sufficiency=rule,
    )


def test_empty_assessment_has_no_scores_and_nothing_started():
    result = run()
    assert result.overall is None
    assert result.progress == Progress.NOT_STARTED
    assert [d.progress for d in result.domains] == [Progress.NOT_STARTED] * 2
    assert all(d.score is None for d in result.domains)
    assert all(c.state == State.NOT_ANSWERED for c in result.capabilities)
    assert result.legislation.verdict == Verdict.INCOMPLETE
    assert result.legislation.met == 0
    assert result.flags == ()


def test_complete_assessment_domain_mean_then_mean_of_domains():
    result = run({"C01": "4", "C02": "2", "C03": "3", "C04": "1", "C05": "2"})
    d1, d2 = result.domains
    assert d1.score == pytest.approx(3.0)  # (4 + 2 + 3) / 3
    assert d2.score == pytest.approx(1.5)  # (1 + 2) / 2
    # Mean of domains, not of capabilities: (3 + 1.5) / 2, not 12 / 5.
    assert result.overall == pytest.approx(2.25)
    assert result.overall_percent == pytest.approx(56.25)
    assert d1.percent == pytest.approx(75.0)
    assert result.progress == Progress.COMPLETE


def test_partial_answers_are_provisional_means_of_what_is_answered():
    result = run({"C01": "3", "C04": "2", "C05": "4"})
    d1, d2 = result.domains
    assert d1.progress == Progress.IN_PROGRESS
    assert d1.score == pytest.approx(3.0)
    assert d1.answered == 1
    assert d2.progress == Progress.COMPLETE
    assert d2.score == pytest.approx(3.0)
    assert result.progress == Progress.IN_PROGRESS
    assert result.overall == pytest.approx(3.0)


def test_dont_know_scores_zero_and_is_flagged_as_a_data_gap():
    result = run(
        {
            "C01": "dont_know",
            "C02": "dont_know",
            "C03": "dont_know",
            "C04": "dont_know",
            "C05": "dont_know",
        }
    )
    assert result.overall == pytest.approx(0.0)
    assert result.progress == Progress.COMPLETE
    assert all(c.state == State.DONT_KNOW and c.level == 0 for c in result.capabilities)
    assert [f.code for f in result.flags] == ["C01", "C02", "C03", "C04", "C05"]
    assert {f.kind for f in result.flags} == {FlagKind.DONT_KNOW}


def test_dont_know_pulls_the_mean_down_like_a_zero():
    result = run({"C04": "4", "C05": "dont_know"})
    assert result.domains[1].score == pytest.approx(2.0)


def test_all_not_applicable_domain_is_complete_unscored_and_left_out_of_overall():
    result = run(
        {"C01": "2", "C02": "4", "C03": "3", "C04": "not_applicable", "C05": "not_applicable"}
    )
    d1, d2 = result.domains
    assert d2.progress == Progress.COMPLETE
    assert d2.score is None
    assert d2.all_not_applicable
    assert result.overall == pytest.approx(3.0)  # D1 alone
    assert result.progress == Progress.COMPLETE


def test_not_applicable_is_left_out_of_its_domain_mean():
    result = run({"C01": "4", "C02": "not_applicable", "C03": "2"})
    assert result.domains[0].score == pytest.approx(3.0)


def test_unknown_response_is_treated_as_not_answered():
    result = run({"C01": "7", "C02": "x"})
    assert result.domains[0].capabilities[0].state == State.NOT_ANSWERED
    assert result.domains[0].capabilities[1].state == State.NOT_ANSWERED


def test_high_level_with_mostly_no_indicators_is_flagged_not_changed():
    result = run({"C01": "3"}, {"C01.1": "no", "C01.2": "no", "C01.3": "yes"})
    c01 = result.domains[0].capabilities[0]
    assert c01.level == 3
    assert [f.kind for f in c01.flags] == [FlagKind.CONTRADICTION]
    assert str(c01.flags[0].message) == (
        "Level 3 is claimed, but most indicators are answered “no”."
    )


def test_low_level_with_mostly_yes_indicators_is_flagged():
    result = run({"C04": "1"}, {"C04.1": "yes", "C04.2": "yes", "C04.3": "partly"})
    (flag,) = result.domains[1].capabilities[0].flags
    assert flag.kind == FlagKind.CONTRADICTION
    assert str(flag.message) == "Level 1 is claimed, but most indicators are answered “yes”."


def test_exactly_half_no_is_not_most_and_dont_know_indicators_are_ignored():
    result = run(
        {"C01": "4", "C02": "3"},
        {"C01.1": "no", "C01.2": "yes", "C02.1": "no", "C02.2": "dont_know", "C02.3": "dont_know"},
    )
    c01, c02, _ = result.domains[0].capabilities
    assert c01.flags == ()  # 1 of 2 is not more than half
    assert [f.kind for f in c02.flags] == [FlagKind.CONTRADICTION]  # 1 of 1 known is "no"


def test_middle_level_is_never_contradicted():
    result = run({"C01": "2"}, {"C01.1": "no", "C01.2": "no", "C01.3": "no"})
    assert result.flags == ()


MET = "met"
NOT = "not_met"


@pytest.mark.parametrize(
    ("values", "rule", "met", "verdict"),
    [
        # 2018 rule: any four of five.
        ((MET, MET, MET, MET, MET), ICMEC_2018, 5, Verdict.SUFFICIENT),
        ((MET, MET, MET, MET, NOT), ICMEC_2018, 4, Verdict.SUFFICIENT),
        ((MET, NOT, MET, MET, MET), ICMEC_2018, 4, Verdict.SUFFICIENT),
        ((MET, MET, NOT, MET, NOT), ICMEC_2018, 3, Verdict.NOT_SUFFICIENT),
        # Earlier editions: all five, or all but ISP reporting.
        ((MET, MET, MET, MET, MET), ICMEC_2006, 5, Verdict.SUFFICIENT),
        ((MET, MET, MET, MET, NOT), ICMEC_2006, 4, Verdict.SUFFICIENT),
        ((MET, NOT, MET, MET, MET), ICMEC_2006, 4, Verdict.NOT_SUFFICIENT),
        ((NOT, NOT, NOT, NOT, NOT), ICMEC_2006, 0, Verdict.NOT_SUFFICIENT),
    ],
)
def test_legislation_sufficiency_follows_the_versions_rule(values, rule, met, verdict):
    result = run(criteria=dict(zip([c.code for c in CRITERIA], values, strict=True)), rule=rule)
    assert result.legislation.met == met
    assert result.legislation.total == 5
    assert result.legislation.verdict == verdict


def test_legislation_dont_know_counts_as_not_met_and_is_flagged():
    values = {
        "legislation": MET,
        "definition": MET,
        "technology": MET,
        "possession": "dont_know",
        "isp_reporting": MET,
    }
    result = run(criteria=values)
    assert result.legislation.met == 4
    assert result.legislation.verdict == Verdict.SUFFICIENT
    assert [(f.kind, f.code) for f in result.flags] == [(FlagKind.DONT_KNOW, "possession")]


def test_legislation_incomplete_until_every_criterion_is_answered():
    result = run(
        criteria={"legislation": MET, "definition": MET, "technology": MET, "possession": MET}
    )
    assert result.legislation.met == 4
    assert result.legislation.progress == Progress.IN_PROGRESS
    assert result.legislation.verdict == Verdict.INCOMPLETE


def test_legislation_capability_high_while_law_insufficient_is_flagged():
    values = dict.fromkeys([c.code for c in CRITERIA], NOT)
    result = run({"C03": "3"}, criteria=values)
    c03 = result.domains[0].capabilities[2]
    assert [f.kind for f in c03.flags] == [FlagKind.LEGISLATION]
    assert str(c03.flags[0].message) == (
        "Level 3 is claimed, but the legislative criteria are not sufficient."
    )
    assert c03.level == 3
