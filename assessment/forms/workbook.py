"""Uploading a filled-in workbook."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .questionnaire import fields_helper


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(
        label=_("The workbook (.xlsx or .ods)"),
        help_text=_(
            "The workbook downloaded from this assessment, saved as .xlsx (Excel) or .ods "
            "(LibreOffice)."
        ),
        # The picker offers what the upload accepts; the server reads and checks the content.
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.ods,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
                "application/vnd.oasis.opendocument.spreadsheet"
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = fields_helper(self)
