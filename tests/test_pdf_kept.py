"""The action plan's PDF is kept per process under a digest of its HTML (assessment/reports/
pdf.py, issue 27): an unchanged plan is not drawn twice, and what a reader downloads is always
the plan as it is now, whatever was kept before."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from weasyprint import HTML

from assessment.models import Action, Membership
from assessment.reports import pdf as pdf_module
from assessment.reports.pdf import render_pdf

from .factories import answer_all, make_assessment, make_country, make_user
from .test_plan import pdf_text, url
from .test_reports import make_report


@pytest.fixture
def draws(monkeypatch) -> list[int]:
    """How many times WeasyPrint drew a PDF (the real drawing, counted)."""
    drawn: list[int] = []
    write_pdf = HTML.write_pdf

    def counted(self, *args, **kwargs):
        drawn.append(1)
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "write_pdf", counted)
    pdf_module._KEPT.clear()
    return drawn


def test_the_same_plan_is_drawn_once_and_its_bytes_are_what_drawing_again_gives(draws):
    report = make_report(actions=2)
    first = render_pdf(report)
    assert render_pdf(report) == first
    assert len(draws) == 1
    # The premise of keeping: drawing the same HTML again gives the same bytes (no clock, no
    # random identifier in the file). A WeasyPrint that wrote one would fail here.
    pdf_module._KEPT.clear()
    assert render_pdf(report) == first
    assert len(draws) == 2


def test_any_change_to_what_the_pdf_shows_draws_it_again(draws):
    report = make_report(actions=1)
    before = render_pdf(report)
    changes = [{"language": "fr"}, {"generated_on": dt.date(2026, 3, 3)}]
    for change in changes:
        assert render_pdf(replace(report, **change)) != before, change
    assert len(draws) == 1 + len(changes)


def test_an_edited_action_is_in_the_next_download(client, frameworks, draws):
    """Through the app: download, edit an action, download again: the new words are there,
    never the kept PDF of the plan as it was."""
    a = make_assessment(make_country("XA", "Arvenia (demo)"))
    answer_all(a, {"C04": "1"}, default="3")
    client.force_login(make_user("cora", country=a.country, role=Membership.Role.COORDINATOR))
    client.post(url("actions_generate", a))
    first = client.get(url("export", a, "pdf")).content
    assert client.get(url("export", a, "pdf")).content == first
    assert len(draws) == 1

    action = Action.objects.filter(assessment=a).first()
    Action.objects.filter(pk=action.pk).update(lead_agency="Ministry of Interior")
    text = " ".join(pdf_text(client.get(url("export", a, "pdf")).content).split())
    assert "Ministry of Interior" in text
    assert len(draws) == 2


def test_at_most_keep_pdfs_are_kept(draws, monkeypatch):
    monkeypatch.setattr(pdf_module, "KEEP", 2)
    report = make_report(actions=0)
    for cycle in (2024, 2025, 2026):
        render_pdf(replace(report, cycle=cycle))
    assert len(pdf_module._KEPT) == 2
    render_pdf(replace(report, cycle=2026))  # the most recent is kept
    assert len(draws) == 3
    render_pdf(replace(report, cycle=2024))  # the oldest went first: drawn again
    assert len(draws) == 4
