"""Issue 26: evidence files' bytes live in the database (assessment/evidence_store.py), so every
app process and the worker read the same ones, and a database backup holds them.

Downloads stream one stored piece at a time; files kept on disk by earlier versions move in
with `evidence_to_database`, checked by their SHA-256. tests/test_evidence_processes.py uploads
through one server process and downloads through another.
"""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessment import evidence, frameworks_cache
from assessment.evidence_store import CHUNK_BYTES, evidence_pieces, evidence_stored
from assessment.models import EvidenceChunk, EvidenceFile, Membership

from .factories import make_assessment, make_country, make_user

MB = 1024 * 1024


def pdf_of(size: int) -> bytes:
    body = os.urandom(size - 20)  # random: no database or transport can shrink it
    return b"%PDF-1.4\n" + body + b"\n%%EOF\n" + b"\n" * 4


@pytest.fixture
def world(frameworks):
    country = make_country("XA", "Arvenia (demo)")
    coordinator = make_user("cd", country=country, role=Membership.Role.COORDINATOR)
    assessment = make_assessment(country)
    capability = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3]
    return {"coordinator": coordinator, "assessment": assessment, "capability": capability}


def add(world, content: bytes, name: str = "decree.pdf") -> EvidenceFile:
    return evidence.evidence_add(
        assessment=world["assessment"],
        capability=world["capability"],
        upload=SimpleUploadedFile(name, content),
        user=world["coordinator"],
    )


def test_the_bytes_are_in_the_database_in_pieces_of_at_most_one_mib(world, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "nowhere"
    content = pdf_of(2 * MB + 12345)
    record = add(world, content)
    sizes = [len(bytes(d)) for d in record.chunks.order_by("index").values_list("data", flat=True)]
    assert sizes == [CHUNK_BYTES, CHUNK_BYTES, len(content) - 2 * CHUNK_BYTES]
    assert b"".join(evidence_pieces(record)) == content
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert not settings.EVIDENCE_ROOT.exists()  # nothing written to disk


def test_an_empty_file_is_one_empty_piece(world):
    # sniff() refuses an empty upload before storage; the store itself handles it.
    from assessment.evidence_store import evidence_store

    record = add(world, pdf_of(100))
    record.chunks.all().delete()
    assert evidence_store(record=record, pieces=[]) == hashlib.sha256(b"").hexdigest()
    assert list(evidence_pieces(record)) == [b""]


def test_the_download_streams_with_bounded_memory(client, world):
    content = pdf_of(12 * MB)
    record = add(world, content)
    client.force_login(world["coordinator"])
    url = reverse("assessment:evidence_download", args=[world["assessment"].uuid, record.uuid])
    tracemalloc.start()
    try:
        response = client.get(url)
        assert response.status_code == 200 and response.streaming
        assert response["Content-Length"] == str(len(content))
        digest = hashlib.sha256()
        largest = 0
        for block in response.streaming_content:
            digest.update(block)
            largest = max(largest, len(block))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
    assert largest <= 64 * 1024
    # A few stored pieces at most, never the 12 MB file.
    assert peak < 4 * MB, peak


def test_removing_a_file_removes_its_bytes(world):
    record = add(world, pdf_of(3 * MB))
    other = add(world, pdf_of(1000), "other.pdf")
    evidence.evidence_remove(record=record, user=world["coordinator"])
    assert not EvidenceChunk.objects.filter(file_id=record.pk).exists()
    assert evidence_stored(other)


def test_a_failed_upload_leaves_no_bytes_behind(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr("assessment.audit.record", broken)
    with pytest.raises(RuntimeError):
        add(world, pdf_of(2 * MB))
    assert not EvidenceFile.objects.exists()
    assert not EvidenceChunk.objects.exists()


# ------------------------------------------------------- files kept on disk by earlier versions


def on_disk(world, directory, count: int) -> list[tuple[EvidenceFile, bytes]]:
    """Records as an earlier version left them: metadata in the database, bytes in a file."""
    directory.mkdir(parents=True, exist_ok=True)
    found = []
    for n in range(count):
        content = pdf_of(MB + n * 1000)
        record = add(world, content, f"old-{n}.pdf")
        record.chunks.all().delete()
        (directory / record.stored_name).write_bytes(content)
        found.append((record, content))
    return found


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command("evidence_to_database", *args, stdout=out, **options)
    return out.getvalue()


def test_the_command_moves_files_in_once_and_checks_them(world, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    files = on_disk(world, settings.EVIDENCE_ROOT, 3)
    new = add(world, pdf_of(500), "new.pdf")  # uploaded after the upgrade

    assert run().startswith("3 stored, 1 already stored, 0 missing")
    for record, content in files:
        assert b"".join(evidence_pieces(record)) == content
    assert run().startswith("0 stored, 4 already stored")  # idempotent
    assert evidence_stored(new)
    assert all(path.exists() for path in settings.EVIDENCE_ROOT.iterdir())  # only read


def test_a_file_that_differs_from_its_hash_or_is_missing_is_reported_not_stored(
    world, settings, tmp_path
):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    (good, _), (damaged, content), (gone, _) = on_disk(world, settings.EVIDENCE_ROOT, 3)
    (settings.EVIDENCE_ROOT / damaged.stored_name).write_bytes(content[:-1] + b"X")
    (settings.EVIDENCE_ROOT / gone.stored_name).unlink()
    with pytest.raises(CommandError) as refused:
        run()
    message = str(refused.value)
    assert f"differs: {damaged.stored_name}" in message
    assert f"missing: {gone.stored_name}" in message
    assert evidence_stored(good)
    assert not evidence_stored(damaged) and not evidence_stored(gone)


def test_the_command_reads_another_directory(world, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    [(record, content)] = on_disk(world, tmp_path / "copied", 1)
    assert run(source=str(tmp_path / "copied")).startswith("1 stored")
    assert b"".join(evidence_pieces(record)) == content
