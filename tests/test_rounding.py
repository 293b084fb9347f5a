"""One rounding rule (issue 24): half up to one decimal, from the value a person would write,
the same on the results page, its chart, the overview, the PDF and the exports, and written in
the page's language."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import translation

from assessment.charts import bar_chart, bar_chart_html
from assessment.models import Membership
from assessment.reports.builder import build_report
from assessment.reports.pdf import render_html
from assessment.reports.tabular import sheets
from assessment.rounding import half_up, number
from assessment.services import assessment_scores

from .factories import answer_all, make_assessment, make_country, make_user


def _expected_tenths(hundredths: int) -> str:
    """k hundredths rounded half up to tenths, in integers only."""
    tenths = (hundredths + 5) // 10
    return f"{tenths // 10}.{tenths % 10}"


@pytest.mark.parametrize("k", range(0, 81))
def test_every_005_step_from_0_to_4_rounds_half_up_however_it_was_computed(k):
    expected = _expected_tenths(5 * k)
    # The same number reached three ways, as scoring reaches its means.
    as_product = k * 0.05
    as_mean = sum([k * 0.05 * 3, k * 0.05 * 5]) / 8
    as_quotient = (5 * k) / 100
    for value in (as_product, as_mean, as_quotient):
        assert str(half_up(value, 1)) == expected, (k, value)


def test_every_mean_of_whole_levels_rounds_as_its_exact_fraction():
    """Every mean of up to 12 levels from 0 to 4 (what a domain score is), and every mean of
    such means: the half-up rounding of the exact fraction, never of the binary float."""
    wrong = []
    for count in range(1, 13):
        for total in range(0, 4 * count * 6 + 1):
            for divisor in (count, 6 * count):  # a domain mean; an overall mean of 6 domains
                if total > 4 * divisor:
                    continue
                exact = Fraction(total, divisor)
                tenths = int(exact * 10 + Fraction(1, 2))  # floor(x * 10 + 0.5): half up
                if half_up(total / divisor, 1) != Decimal(tenths) / 10:
                    wrong.append((total, divisor))
    assert not wrong, wrong[:10]


def test_numbers_follow_the_languages_decimal_separator():
    with translation.override("en"):
        assert number(1.25) == "1.3"
    with translation.override("fr"):
        assert number(1.25) == "1,3"
    with translation.override("ar"):
        assert number(1.25) == number(Decimal("1.3"))  # Django's Arabic separator
        assert number(2.675, 2) == number(Decimal("2.68"), 2)


@pytest.fixture
def mean_125(frameworks):
    """Criminal Justice (C04–C07) and Victim (C08–C11) at 1, 1, 1, 2: a mean of 1.25 each."""
    country = make_country("XA", "Arvenia (demo)")
    assessment = make_assessment(country)
    answer_all(
        assessment,
        {
            "C04": "1",
            "C05": "1",
            "C06": "1",
            "C07": "2",
            "C08": "1",
            "C09": "2",
            "C10": "1",
            "C11": "1",
        },
    )
    user = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
    return assessment, user


def test_the_chart_the_table_the_overview_the_pdf_and_the_exports_agree_on_125(client, mean_125):
    assessment, user = mean_125
    client.force_login(user)
    scores = assessment_scores(assessment)
    means = {d.name: d.score for d in scores.domains}
    assert means["Criminal Justice"] == means["Victim"] == 1.25

    results = client.get(reverse("assessment:results", args=[assessment.uuid])).content.decode()
    table = re.findall(
        r'<th scope="row">(Criminal Justice|Victim)</th>\s*<td[^>]*>([^<]*)</td>', results
    )
    assert table == [("Criminal Justice", "1.3"), ("Victim", "1.3")]
    chart = str(bar_chart(scores, target=3))
    drawn = re.findall(
        r">(Criminal Justice|Victim)</text>.*?class=\"chart-value\"[^>]*>([^<]*)<", chart
    )
    assert drawn == [("Criminal Justice", "1.3"), ("Victim", "1.3")]
    assert "1.2<" not in chart

    overview = client.get(reverse("assessment:overview", args=[assessment.uuid])).content.decode()
    assert overview.count("score 1.3 of 4") == 2

    with translation.override("en"):
        report = build_report(assessment, "en")
        pdf_html = render_html(report)
        html_chart = str(bar_chart_html(report.scores, target=3))
        rows = sheets(report)["scores"][1]
    assert re.findall(r"(Criminal Justice|Victim)</th>\s*<td class=\"num\">([^<]*)<", pdf_html) == [
        ("Criminal Justice", "1.3"),
        ("Victim", "1.3"),
    ]
    assert re.findall(
        r"(Criminal Justice|Victim)</th><td[^>]*><span[^>]*></span><bdi class=\"hvalue\">([^<]*)<",
        html_chart,
    ) == [
        ("Criminal Justice", "1.3"),
        ("Victim", "1.3"),
    ]
    exported = [row[2:4] for row in rows if row[0] == "Domain" and row[2] in means]
    assert ["Criminal Justice", 1.3] in exported and ["Victim", 1.3] in exported, exported


def test_an_arabic_results_page_writes_every_number_with_one_separator(client, mean_125):
    assessment, user = mean_125
    from accounts import people

    people.language_set(user, "ar")
    client.force_login(user)
    html = client.get(reverse("assessment:results", args=[assessment.uuid])).content.decode()
    with translation.override("ar"):
        separator = number(1.5)[1]
    other = "." if separator != "." else ","
    decimals = re.findall(
        r"(?<![\d.,])\d[.,]\d(?![\d.,])",
        re.sub(r"<svg.*?</svg>", lambda m: re.sub(r'="[^"]*"', "", m.group(0)), html, flags=re.S),
    )
    assert decimals, "no decimal number on the page"
    assert not [d for d in decimals if other in d], decimals
