"""A country's pages, one module per page family: the questionnaire (`questionnaire`), the
workflow and team (`workflow`), gaps and the action plan (`plan`), the offline workbook
(`workbook`) and moving a draft to a corrected framework version (`version`). Thin: each view asks
`assessment.access`, validates a form and calls one function of the modules one level up."""
