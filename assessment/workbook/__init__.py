"""The questionnaire as an XLSX workbook that goes out and comes back (issue 15).

- `write`: `workbook_build` writes the sections a person may answer, with their current
  answers and a hidden, signed header (assessment, framework versions, person, each answer's
  version and a digest of its downloaded value).
- `read`: `workbook_read` checks an uploaded file (size, shape, macros, formulas, the signature)
  and reads its answer cells.
- `plan`: `workbook_plan` compares them with the workbook's own download and with the answers
  online; `workbook_apply` saves the planned changes in one transaction.
- `preview`: the uploaded file kept on the server between the preview and the confirmation.
- `xlsx`, `ods`: the streaming readers of XLSX and ODS files that `read` uses.
- `values`: what they share (constants, an answer's values and digest, drop-down labels).

The views import this package; the names below are its interface.
"""

from .plan import Change, Plan, PlanChanged, workbook_apply, workbook_plan
from .preview import Pending, preview_delete, preview_load, preview_save, preview_update
from .read import Parsed, check_file, check_size, max_bytes, workbook_read
from .values import (
    CONTENT_TYPE,
    FORMAT,
    META_SHEET,
    SALT,
    CapabilityValues,
    CriterionValues,
    WorkbookRejected,
    criterion_options,
    indicator_options,
    level_options,
)
from .write import sections_of, sheet_title, workbook_build

__all__ = [
    "CONTENT_TYPE",
    "FORMAT",
    "META_SHEET",
    "SALT",
    "CapabilityValues",
    "Change",
    "CriterionValues",
    "Parsed",
    "Pending",
    "Plan",
    "PlanChanged",
    "WorkbookRejected",
    "check_file",
    "check_size",
    "criterion_options",
    "indicator_options",
    "level_options",
    "max_bytes",
    "preview_delete",
    "preview_load",
    "preview_save",
    "preview_update",
    "sections_of",
    "sheet_title",
    "workbook_apply",
    "workbook_build",
    "workbook_plan",
    "workbook_read",
]
