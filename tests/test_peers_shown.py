"""A gap names its nearest peers first and at most `peers.SHOWN` of them on the plan page and
in the PDF, saying how many more there are; the XLSX and CSV list every one."""

from __future__ import annotations

import io

import pytest
from django.utils.html import strip_tags
from openpyxl import load_workbook

from assessment import peers
from assessment.models import Assessment

from .factories import answer_all, make_assessment, make_country, make_user
from .test_pdf_ua import pdf_ua_problems
from .test_plan import pdf_text, url

pytestmark = pytest.mark.usefixtures("frameworks")


def validated_peer(code: str, name: str, **regions: int) -> None:
    a = make_assessment(make_country(code, name, **regions), cycle=2025)
    answer_all(a, {"C04": "4"}, share=True, default="3")
    Assessment.objects.filter(pk=a.pk).update(status="validated")


@pytest.fixture
def assessment() -> Assessment:
    a = make_assessment(make_country("XA", "Arvenia (demo)", subregion_code=155, region_code=150))
    answer_all(a, {"C04": "1"}, default="3")
    return a


def test_peers_of_the_same_sub_region_then_region_come_first(assessment):
    validated_peer("XB", "Abrania (demo)", subregion_code=14, region_code=2)  # elsewhere
    validated_peer("XC", "Bolvia (demo)")  # no region known
    validated_peer("XD", "Zarovia (demo)", subregion_code=155, region_code=150)  # sub-region
    validated_peer("XE", "Yelmora (demo)", subregion_code=154, region_code=150)  # region
    validated_peer("XF", "Xantia (demo)", subregion_code=155, region_code=150)  # sub-region
    assert peers.peers_for(assessment, ["C04"])["C04"] == [
        "Xantia (demo)",
        "Zarovia (demo)",
        "Yelmora (demo)",
        "Abrania (demo)",
        "Bolvia (demo)",
    ]


def test_the_page_and_the_pdf_name_ten_and_say_how_many_more(client, assessment):
    names = [f"Peer {n:02d} (demo)" for n in range(peers.SHOWN + 3)]
    for n, name in enumerate(names):
        validated_peer(f"X{chr(66 + n)}", name)
    client.force_login(make_user("cora", country=assessment.country, role="coordinator"))
    client.post(url("actions_generate", assessment))

    page = " ".join(strip_tags(client.get(url("plan", assessment)).content.decode()).split())
    data = client.get(url("export", assessment, "pdf")).content
    assert pdf_ua_problems(data, "en") == []  # the note is tagged text, as pikepdf reads it
    pdf = " ".join(pdf_text(data).split())
    for text in (page, pdf):
        assert all(name in text for name in names[: peers.SHOWN])
        assert not any(name in text for name in names[peers.SHOWN :])
        assert "3 more countries are listed in the XLSX and CSV exports" in text

    # The spreadsheet lists every one.
    book = load_workbook(io.BytesIO(client.get(url("export", assessment, "xlsx")).content))
    cells = " ".join(str(c.value) for row in book["Gaps"].iter_rows() for c in row)
    assert all(name in cells for name in names)

    # In the reader's language.
    french = client.get(url("plan", assessment), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "3 autres pays figurent dans les exports XLSX et CSV" in french
