"""The world map (issue 17): server-drawn SVG, every country named, colour never the only cue,
the same data as a table, small and fast; the second view shows only countries sharing a
submitted self-assessment by name, never an aggregate-only one and never a score."""

from __future__ import annotations

import re
import time

import pytest

from assessment.models import Country, Membership
from secretariat.reviews import tables as reviews
from secretariat.reviews import worldmap
from secretariat.reviews.views import map_context

from .bulk import answered_assessments
from .factories import make_user
from .test_reviews import icmec_2018_rows, import_review, real_codes, synthetic_csv


@pytest.fixture
def icmec_2018(db):
    return import_review(synthetic_csv(real_codes(196), icmec_2018_rows()), 2018)


@pytest.fixture
def analyst_client(client, db):
    client.force_login(make_user("an", role=Membership.Role.ANALYST))
    return client


def test_the_geometry_covers_the_countries_of_a_review(db):
    shapes = worldmap.geometry()["shapes"]
    codes = set(Country.objects.filter(is_demo=False).values_list("pk", flat=True))
    # UN members and observers are all there; only a few dependent territories are missing.
    assert len(codes & set(shapes)) >= 225
    assert {"FR", "BR", "SG", "MT", "TV", "NR"} <= set(shapes)  # small states are dots


def test_every_country_is_named_with_its_class_and_has_a_pattern(icmec_2018):
    context = map_context(icmec_2018, reviews.ReviewFilters(), "review")
    svg = str(context["svg"])
    assert "<script" not in svg and "http://" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    shapes = re.findall(r'<(?:path|circle) role="img"[^>]*data-code="(\w\w)"><title>([^<]*)<', svg)
    assert len(shapes) == len(worldmap.geometry()["shapes"])
    titles = dict(shapes)
    entry = reviews.rows_of(icmec_2018)[0]
    name, code = str(entry.country.name), entry.country.pk
    assert titles[code].startswith(f"{name}: {entry.met} of 5 criteria met (")
    # One pattern per class (plus "not in this review"), each used as a fill: colour plus marks.
    patterns = re.findall(r'<pattern id="([\w-]+)"', svg)
    assert len(patterns) == len(set(patterns)) == len(reviews.review_map_classes()) + 1
    marks = re.findall(r"<pattern [^>]*>(.*?)</pattern>", svg)
    assert len(set(marks)) == len(marks)  # no two classes look alike in grey


def test_map_page_has_legend_and_the_same_data_as_a_table(analyst_client, icmec_2018):
    response = analyst_client.get("/secretariat/reviews/map/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="map-legend"' in text and 'id="map-table"' in text
    table = text.split('id="map-table"')[1]
    assert table.count('<th scope="row"') == 196
    assert "5 of 5 criteria met (21)" in text  # the legend counts each class


def test_size_and_render_time_for_196_countries(icmec_2018):
    started = time.perf_counter()
    svg = str(map_context(icmec_2018, reviews.ReviewFilters(), "review")["svg"])
    elapsed = time.perf_counter() - started
    assert len(svg.encode()) < 300_000
    assert elapsed < 1.0


def test_shared_view_shows_named_assessments_only_and_no_score(analyst_client, frameworks):
    named, hidden = real_codes(2)
    answered_assessments([named], [2026], sharing="named", status="submitted")
    answered_assessments([hidden], [2026], sharing="aggregate", status="submitted")
    svg = str(map_context(None, reviews.ReviewFilters(), "shared")["svg"])
    titles = dict(re.findall(r'data-code="(\w\w)"><title>[^:]*: ([^<]*)<', svg))
    assert titles[named] == "self-assessment submitted, shared by name"
    assert titles[hidden] == "no self-assessment shared by name"
    response = analyst_client.get("/secretariat/reviews/map/?view=shared")
    text = response.content.decode()
    assert response.status_code == 200
    assert str(Country.objects.get(pk=named).name) in text.split('id="map-table"')[1]
    assert str(Country.objects.get(pk=hidden).name) not in text.split('id="map-table"')[1]
    assert "overall" not in text.lower().split('id="map-table"')[1]
