from django.urls import path

import config.converters  # noqa: F401  (registers the <code:> and <country:> converters)

from .views import plan, questionnaire, version, workbook, workflow

app_name = "assessment"

urlpatterns = [
    path("start/", questionnaire.assessment_start, name="start"),
    path("team/", workflow.team_page, name="team"),
    path("invitations/<str:token>/", workflow.accept_invitation, name="accept_invitation"),
    path("<uuid:uuid>/", questionnaire.overview, name="overview"),
    path("<uuid:uuid>/capability/<code:code>/", questionnaire.capability, name="capability"),
    path(
        "<uuid:uuid>/capability/<code:code>/history/",
        questionnaire.capability_history,
        name="capability_history",
    ),
    path(
        "<uuid:uuid>/capability/<code:code>/comments/",
        questionnaire.comment_add,
        name="comment_add",
    ),
    path(
        "<uuid:uuid>/capability/<code:code>/evidence/",
        questionnaire.evidence_upload,
        name="evidence_upload",
    ),
    path(
        "<uuid:uuid>/evidence/<uuid:file_uuid>/",
        questionnaire.evidence_download,
        name="evidence_download",
    ),
    path(
        "<uuid:uuid>/evidence/<uuid:file_uuid>/delete/",
        questionnaire.evidence_delete,
        name="evidence_delete",
    ),
    path("<uuid:uuid>/legislation/", questionnaire.legislation, name="legislation"),
    path("<uuid:uuid>/results/", questionnaire.results, name="results"),
    path("<uuid:uuid>/workbook.xlsx", workbook.workbook_download, name="workbook_download"),
    path("<uuid:uuid>/workbook/", workbook.workbook_upload, name="workbook_upload"),
    path("<uuid:uuid>/workbook/confirm/", workbook.workbook_confirm, name="workbook_confirm"),
    path(
        "<uuid:uuid>/questionnaire.pdf",
        workbook.blank_questionnaire,
        name="blank_questionnaire",
    ),
    path("<uuid:uuid>/submit/", workflow.submit, name="submit"),
    path("<uuid:uuid>/language/", workflow.language, name="language"),
    path("<uuid:uuid>/framework-version/", version.move, name="version_move"),
    path("<uuid:uuid>/sections/<code:section>/not-assessed/", workflow.waiver, name="waiver"),
    path(
        "<uuid:uuid>/sections/<code:section>/confirm/",
        workflow.section_confirm,
        name="section_confirm",
    ),
    path("<uuid:uuid>/review/", workflow.review, name="review"),
    path("<uuid:uuid>/reopen/", workflow.reopen, name="reopen"),
    path("<uuid:uuid>/assignments/", workflow.assignments, name="assignments"),
    path("<uuid:uuid>/history/", workflow.history, name="history"),
    path("<uuid:uuid>/plan/", plan.plan_page, name="plan"),
    path("<uuid:uuid>/plan/targets/", plan.target_set, name="target_set"),
    path("<uuid:uuid>/plan/generate/", plan.actions_generate, name="actions_generate"),
    path("<uuid:uuid>/plan/actions/new/", plan.action_edit, name="action_new"),
    path("<uuid:uuid>/plan/actions/<uuid:action_uuid>/", plan.action_edit, name="action_edit"),
    path(
        "<uuid:uuid>/plan/actions/<uuid:action_uuid>/delete/",
        plan.action_delete,
        name="action_delete",
    ),
    path(
        "<uuid:uuid>/plan/actions/<uuid:action_uuid>/move/",
        plan.action_move,
        name="action_move",
    ),
    path("<uuid:uuid>/plan/export/<code:fmt>", plan.export, name="export"),
]
