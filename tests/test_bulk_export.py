"""Issue 26, bulk export: a cycle's validated plans (one PDF per country, in its working
language) and the scores workbook in one ZIP built by the worker, with progress; aggregate-only
countries never named in it; kept for a set number of days."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessment.models import Assessment, Membership
from cycles import bulk
from cycles.models import BulkExport

from .factories import (
    answer_all,
    make_assessment,
    make_country,
    make_cycle,
    make_user,
    sign_in_with_second_factor,
)

pytestmark = pytest.mark.usefixtures("frameworks")


@pytest.fixture
def exports_world(settings, tmp_path, client):
    settings.EXPORT_ROOT = tmp_path / "exports"
    cycle = make_cycle(2026)
    for code, name, sharing, status, language in (
        ("XA", "Arvenia (demo)", "named", "validated", "fr"),
        ("XB", "Belmora (demo)", "aggregate", "validated", "en"),
        ("XC", "Corvalia (demo)", "named", "draft", "en"),
    ):
        a = make_assessment(make_country(code, name), 2026)
        answer_all(a)
        Assessment.objects.filter(pk=a.pk).update(status=status, sharing=sharing, language=language)
    sign_in_with_second_factor(client, make_user("ad", role=Membership.Role.ADMIN))
    return {"cycle": cycle, "client": client}


def zip_text(data: bytes) -> tuple[list[str], str]:
    """The ZIP's file names and all its text (PDF text, and the XML inside the workbook)."""
    texts = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        for name in names:
            body = zf.read(name)
            if name.endswith(".pdf"):
                texts += [p.extract_text() for p in PdfReader(io.BytesIO(body)).pages]
            else:
                with zipfile.ZipFile(io.BytesIO(body)) as book:
                    texts += [book.read(n).decode("utf-8", "replace") for n in book.namelist()]
    return names, "\n".join(texts)


def test_the_zip_has_each_named_validated_plan_in_its_language_and_the_scores(exports_world):
    client = exports_world["client"]
    response = client.post(reverse("cycles:export_start", args=[2026]))
    export = BulkExport.objects.get()
    assert response["Location"] == reverse("cycles:export", args=[export.uuid])
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for the worker" in page and "0 of 2 files" in page
    assert "Refresh" in page  # without JavaScript
    assert bulk.export_build(export.pk)  # what the worker runs
    export.refresh_from_db()
    assert (export.state, export.done, export.total) == ("done", 2, 2)
    page = client.get(response["Location"]).content.decode()
    assert "2 of 2 files" in page and "Download the ZIP" in page
    download = client.get(reverse("cycles:export_download", args=[export.uuid]))
    data = b"".join(download.streaming_content)
    names, text = zip_text(data)
    assert names == ["plans/XA-arvenia-demo-2026-r1-fr.pdf", "scores-2026.xlsx"]
    assert "Plan d'action" in text or "plan d'action" in text  # French, Arvenia's language
    assert "Arvenia" in text
    assert "Belmora" not in text and "XB" not in names[0]  # aggregate only: never by name
    assert "Corvalia" not in text  # a draft is not in it


def test_the_progress_fragment_updates_itself_while_the_export_runs(exports_world):
    client = exports_world["client"]
    client.post(reverse("cycles:export_start", args=[2026]))
    export = BulkExport.objects.get()
    BulkExport.objects.filter(pk=export.pk).update(state="running", done=1, total=2)
    fragment = client.get(reverse("cycles:export", args=[export.uuid]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert html.startswith('<div id="export-progress"') and 'hx-trigger="every 2s"' in html
    assert 'value="1"' in html and "<html" not in html


def test_one_builder_at_a_time_and_a_dead_builders_export_is_taken_over(exports_world):
    export = bulk.export_request(cycle=exports_world["cycle"], user=None)
    now = timezone.now()
    assert bulk._claim(export.pk, now)
    assert not bulk.export_build(export.pk, now=now)  # another builder has it
    assert bulk.exports_pending(now=now) == []
    later = now + bulk.CLAIM + timedelta(seconds=1)
    assert bulk.exports_pending(now=later) == [export.pk]
    assert bulk.export_build(export.pk, now=later)
    assert BulkExport.objects.get().state == "done"


def test_an_export_is_kept_for_the_set_days_then_deleted(exports_world, settings):
    settings.BULK_EXPORT_KEEP_DAYS = 3
    export = bulk.export_request(cycle=exports_world["cycle"], user=None)
    bulk.export_build(export.pk)
    export.refresh_from_db()
    assert (export.expires_at - export.finished_at).days == 3
    path = bulk.export_path(export)
    assert path.exists()
    assert bulk.exports_cleanup(now=timezone.now() + timedelta(days=2)) == 0
    assert bulk.exports_cleanup(now=timezone.now() + timedelta(days=4)) == 1
    assert not path.exists() and not BulkExport.objects.exists()
