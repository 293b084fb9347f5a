"""Evidence files whose content is not what it claims: zip bombs, Office look-alikes, and names
whose extension disagrees with the content (issue 12 §2)."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment import evidence
from assessment.models import Assessment, EvidenceFile, Membership
from frameworks.models import Capability

from .factories import make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MiB = 1024 * 1024

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>'
    "</Types>"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.openxmlformats.org'
    '/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
DOCUMENT = (
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Decree 14/2024</w:t></w:r></w:p></w:body></w:document>"
)


def build_zip(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_members(main: str = DOCX_MAIN) -> dict[str, str | bytes]:
    return {
        "[Content_Types].xml": CONTENT_TYPES.format(main=main),
        "_rels/.rels": RELS,
        "word/document.xml": DOCUMENT,
    }


def real_docx() -> bytes:
    return build_zip(docx_members())


def real_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "Referrals 2025"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def real_odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", evidence.ODT)  # first and stored, as the format requires
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:'
            '1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="'
            f'{evidence.ODT}"/></manifest:manifest>',
            zipfile.ZIP_DEFLATED,
        )
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def patch_central_entry(data: bytes, name: str, offset: int, fmt: str, value: int) -> bytes:
    """`data` with one field of `name`'s central-directory record replaced (what a crafted
    archive declares, whatever its compressed bytes hold)."""
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name.encode():
            patched = bytearray(data)
            struct.pack_into(fmt, patched, position + offset, value)
            return bytes(patched)
        position = data.find(b"PK\x01\x02", position + 1)
    raise AssertionError(f"{name} not in archive")


@pytest.fixture(scope="module")
def zeros_bomb() -> bytes:
    """An ODT-looking archive whose `mimetype` really inflates to 200 MiB of zeros (~0.9 MB
    compressed): streamed, so building it never holds more than one chunk."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("mimetype", "w") as member:
            chunk = bytes(MiB)
            for _ in range(200):
                member.write(chunk)
    return buffer.getvalue()


@pytest.fixture
def assessment(frameworks) -> Assessment:
    return make_assessment(make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def coordinator(assessment):
    return make_user("cora", country=assessment.country, role=Membership.Role.COORDINATOR)


@pytest.fixture
def evidence_dir(settings, tmp_path) -> Path:
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


def upload(client, assessment: Assessment, name: str, content: bytes) -> str:
    file = io.BytesIO(content)
    file.name = name
    response = client.post(
        reverse("assessment:evidence_upload", args=[assessment.uuid, "C04"]),
        {"file": file},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def assert_nothing_stored(evidence_dir: Path) -> None:
    assert not EvidenceFile.objects.exists()
    assert not evidence_dir.exists() or not any(evidence_dir.iterdir())


# --- zip bombs ---------------------------------------------------------------------------------


def test_zip_bomb_is_refused_without_inflating_it(zeros_bomb):
    tracemalloc.start()
    try:
        with pytest.raises(evidence.EvidenceRejected, match="archive is refused") as refusal:
            evidence.sniff(SimpleUploadedFile("minutes.odt", zeros_bomb))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Before: the 200 MiB member was read whole (peak > 200 MiB).
    assert peak < 2 * MiB, f"checking the bomb allocated {peak / MiB:.1f} MiB"
    assert "compressed more than 100 times" in str(refusal.value)


def test_user_sees_the_zip_bomb_refused(client, assessment, coordinator, evidence_dir, zeros_bomb):
    client.force_login(coordinator)
    page = upload(client, assessment, "minutes.odt", zeros_bomb)
    assert "Not attached: The archive is refused" in page
    assert_nothing_stored(evidence_dir)


def test_archive_declaring_an_absurd_size_is_refused(client, assessment, coordinator, evidence_dir):
    # 4 GiB declared for a few bytes: refused on the declaration, nothing is inflated.
    crafted = patch_central_entry(real_docx(), "word/document.xml", 24, "<L", 0xFFFFFFFF)
    client.force_login(coordinator)
    page = upload(client, assessment, "decree.docx", crafted)
    assert "The archive is refused: its contents would unpack to more than 256 MB" in page
    assert_nothing_stored(evidence_dir)


def test_archive_with_too_many_members_is_refused_even_if_its_end_record_lies(
    client, assessment, coordinator, evidence_dir
):
    members = docx_members()
    for number in range(evidence.MAX_ARCHIVE_MEMBERS):
        members[f"word/media/{'long-name-' * 20}{number}.png"] = b""
    data = bytearray(build_zip(members))
    # The end record claims 1 member; zipfile would still parse every entry of the directory.
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 1, 1)
    client.force_login(coordinator)
    page = upload(client, assessment, "decree.docx", bytes(data))
    assert "The archive is refused: it holds more than 5000 files" in page
    assert_nothing_stored(evidence_dir)


@pytest.mark.parametrize(
    ("field", "value"),
    [(8, 0x1), (10, 99)],  # flag bits: encrypted; compression method: unknown
    ids=["encrypted", "unknown-compression"],
)
def test_unreadable_member_is_refused_not_an_error(
    client, assessment, coordinator, evidence_dir, field, value
):
    crafted = patch_central_entry(real_odt(), "mimetype", field, "<H", value)
    client.force_login(coordinator)
    page = upload(client, assessment, "minutes.odt", crafted)  # before: a 500
    assert "Not attached: Only PDF, Word (DOCX)" in page
    assert_nothing_stored(evidence_dir)


# --- Office look-alikes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "members",
    [
        {"[Content_Types].xml": b"", "word/document.xml": b""},
        {"[Content_Types].xml": b"", "xl/workbook.xml": b""},
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": DOCUMENT},
        docx_members(main=DOCM_MAIN),
        # The main part declared but not in the archive.
        {k: v for k, v in docx_members().items() if k != "word/document.xml"}
        | {"xl/workbook.xml": b""},
        {"mimetype": b"application/vnd.oasis.opendocument.textile"},
    ],
    ids=["names-only-docx", "names-only-xlsx", "no-main-part", "docm", "main-missing", "odt"],
)
def test_archive_with_only_the_right_names_is_refused(
    client, assessment, coordinator, evidence_dir, members
):
    client.force_login(coordinator)
    page = upload(client, assessment, "decree.docx", build_zip(members))
    assert "Not attached: Only PDF, Word (DOCX)" in page
    assert_nothing_stored(evidence_dir)


def test_content_types_with_entities_are_not_expanded():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/word/document.xml" ContentType="{DOCX_MAIN}"/>'
        "<Default Extension='x' ContentType='&c;'/></Types>"
    )
    members = docx_members() | {"[Content_Types].xml": laughs}
    assert evidence.sniff(SimpleUploadedFile("decree.docx", build_zip(members))) is None


@pytest.mark.parametrize(
    ("build", "kind"),
    [(real_docx, evidence.DOCX), (real_xlsx, evidence.XLSX), (real_odt, evidence.ODT)],
    ids=["docx", "xlsx", "odt"],
)
def test_real_office_files_are_accepted(build, kind):
    assert evidence.sniff(SimpleUploadedFile("file", build())) == kind


def test_real_docx_is_attached(client, assessment, coordinator, evidence_dir):
    client.force_login(coordinator)
    assert "“Decree 14.docx” is attached" in upload(
        client, assessment, "Decree 14.docx", real_docx()
    )
    assert EvidenceFile.objects.get().content_type == evidence.DOCX


def test_check_archive_for_other_uploads(zeros_bomb):
    evidence.check_archive(io.BytesIO(real_xlsx()))
    with pytest.raises(evidence.EvidenceRejected, match="compressed more than 100 times"):
        evidence.check_archive(io.BytesIO(zeros_bomb))
    with pytest.raises(evidence.EvidenceRejected, match="damaged or not a ZIP file"):
        evidence.check_archive(io.BytesIO(b"PK\x03\x04 but nothing else"))


# --- names -------------------------------------------------------------------------------------


def test_pdf_named_html_is_stored_and_downloaded_as_pdf(
    client, assessment, coordinator, evidence_dir
):
    client.force_login(coordinator)
    assert "“annual-report.pdf” is attached" in upload(
        client, assessment, "annual-report.html", PDF
    )
    record = EvidenceFile.objects.get()
    assert record.original_name == "annual-report.pdf"
    download = client.get(
        reverse("assessment:evidence_download", args=[assessment.uuid, record.uuid])
    )
    assert download["Content-Disposition"] == 'attachment; filename="annual-report.pdf"'


def test_file_stored_before_the_fix_downloads_with_the_detected_extension(
    client, assessment, coordinator, evidence_dir
):
    record = evidence.evidence_add(
        assessment=assessment,
        capability=Capability.objects.get(version=assessment.mnr_version, code="C04"),
        upload=SimpleUploadedFile("annual-report.pdf", PDF),
        user=coordinator,
    )
    EvidenceFile.objects.filter(pk=record.pk).update(original_name="annual-report.html")
    client.force_login(coordinator)
    download = client.get(
        reverse("assessment:evidence_download", args=[assessment.uuid, record.uuid])
    )
    assert download["Content-Disposition"] == 'attachment; filename="annual-report.pdf"'


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("scan.JPEG", evidence.JPEG, "scan.JPEG"),
        ("scan.jpg", evidence.JPEG, "scan.jpg"),
        ("scan.png", evidence.JPEG, "scan.jpg"),
        ("Plan.DOCX", evidence.DOCX, "Plan.DOCX"),
        ("figures.xls", evidence.XLSX, "figures.xlsx"),
        ("minutes", evidence.ODT, "minutes.odt"),
        ("v1.2 final.pdf.exe", evidence.PDF, "v1.2 final.pdf.pdf"),
    ],
)
def test_download_name_takes_the_detected_extension(name, kind, expected):
    assert evidence.download_name(name, kind) == expected


def test_long_name_keeps_the_detected_extension_within_the_column():
    name = evidence.download_name("a" * 300, evidence.DOCX)
    assert len(name) == 255 and name.endswith(".docx")
