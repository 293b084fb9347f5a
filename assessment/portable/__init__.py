"""One assessment as a self-contained JSON document, and back into another database.

`export_assessment` writes the assessment with its answers (capabilities, indicators, criteria),
assignments, "not assessed" sections, comments, evidence file metadata, targets, action plan and
its history (the audit events recorded against it). Everything refers to other rows by stable
natural keys, never database ids: the country by code, framework versions by framework slug,
version number and content hash, capabilities, indicators and criteria by code, users by
username, the assessment, actions and evidence files by uuid. Timestamps are ISO 8601 in UTC.

`import_assessment` reads such a document into a database that holds the same framework
versions but not the assessment: everything is checked before anything is written, and the
writes happen in one transaction. Users the database does not know are created inactive, with no
usable password, and with the membership the document carries. Timestamps are restored as they
were, so exporting the imported assessment gives the same document.

The evidence files' bytes are not in the document: they are in the database
(assessment/evidence_store.py); `export_assessment --evidence-dir` writes them as files named by
`stored_name`, and `evidence_to_database --from` stores them on the other server.
"""

from .export import export_assessment
from .importer import import_assessment
from .schema import FORMAT, SCHEMA, VERSION, PortableError, check_shape

__all__ = [
    "FORMAT",
    "SCHEMA",
    "VERSION",
    "PortableError",
    "check_shape",
    "export_assessment",
    "import_assessment",
]
