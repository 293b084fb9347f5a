"""Evidence files' bytes, stored in the database in pieces of at most CHUNK_BYTES.

Why the database (issue 26): every app process, on any host, and the worker read the same bytes
with no shared disk or object store to run; the bytes are written in the transaction that
records the file, so a failed upload leaves nothing behind and a deleted record takes its bytes
with it; and a backup of the database brings answers and evidence back together. PostgreSQL
keeps each piece out of line (TOAST), so the tables of answers stay small.

Reads are streamed one piece at a time (one query each), so a download holds at most one piece
in memory, whatever the file's size.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import transaction

from .models import EvidenceChunk, EvidenceFile

CHUNK_BYTES = 1024 * 1024


def evidence_store(*, record: EvidenceFile, pieces: Iterable[bytes]) -> str:
    """Store the bytes of `record` (which has none yet) from `pieces` of any size; return their
    SHA-256. Call inside the transaction that created the record."""
    digest = hashlib.sha256()
    buffer = bytearray()
    index = 0
    for piece in pieces:
        digest.update(piece)
        buffer += piece
        while len(buffer) >= CHUNK_BYTES:
            EvidenceChunk.objects.create(file=record, index=index, data=bytes(buffer[:CHUNK_BYTES]))
            del buffer[:CHUNK_BYTES]
            index += 1
    if buffer or index == 0:
        EvidenceChunk.objects.create(file=record, index=index, data=bytes(buffer))
    return digest.hexdigest()


def evidence_pieces(record: EvidenceFile) -> Iterator[bytes]:
    """The bytes of `record`, one stored piece at a time."""
    ids = list(
        EvidenceChunk.objects.filter(file=record).order_by("index").values_list("pk", flat=True)
    )
    for pk in ids:
        data = EvidenceChunk.objects.values_list("data", flat=True).get(pk=pk)
        yield bytes(data)  # PostgreSQL gives a memoryview


def evidence_stored(record: EvidenceFile) -> bool:
    return EvidenceChunk.objects.filter(file=record).exists()


def evidence_sha256(record: EvidenceFile) -> str:
    digest = hashlib.sha256()
    for piece in evidence_pieces(record):
        digest.update(piece)
    return digest.hexdigest()


class EvidenceReader(io.RawIOBase):
    """A read-only file over the stored pieces, for FileResponse (which reads it in blocks)."""

    def __init__(self, record: EvidenceFile) -> None:
        super().__init__()
        self._pieces = evidence_pieces(record)
        self._piece = memoryview(b"")
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._offset >= len(self._piece):
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._piece, self._offset = memoryview(piece), 0
        n = min(len(target), len(self._piece) - self._offset)
        target[:n] = self._piece[self._offset : self._offset + n]
        self._offset += n
        return n


def evidence_load_file(*, record: EvidenceFile, path: Path) -> str:
    """Store the file at `path` as the bytes of `record`, if it has none yet, checked against
    the SHA-256 recorded at upload and read back from the database once stored. Returns what
    happened: "stored", "already stored", "missing" or "differs" (nothing stored)."""
    if evidence_stored(record):
        return "already stored"
    if not path.is_file():
        return "missing"
    with transaction.atomic():
        with path.open("rb") as file:
            digest = evidence_store(record=record, pieces=iter(lambda: file.read(CHUNK_BYTES), b""))
        if digest != record.sha256 or evidence_sha256(record) != record.sha256:
            transaction.set_rollback(True)
            return "differs"
    return "stored"
