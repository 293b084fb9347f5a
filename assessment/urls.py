from django.urls import path

from . import plan_views, version_views, views, workbook_views, workflow_views

app_name = "assessment"

urlpatterns = [
    path("start/", views.assessment_start, name="start"),
    path("team/", workflow_views.team_page, name="team"),
    path("invitations/<str:token>/", workflow_views.accept_invitation, name="accept_invitation"),
    path("<uuid:uuid>/", views.overview, name="overview"),
    path("<uuid:uuid>/capability/<str:code>/", views.capability, name="capability"),
    path(
        "<uuid:uuid>/capability/<str:code>/history/",
        views.capability_history,
        name="capability_history",
    ),
    path("<uuid:uuid>/capability/<str:code>/comments/", views.comment_add, name="comment_add"),
    path(
        "<uuid:uuid>/capability/<str:code>/evidence/", views.evidence_upload, name="evidence_upload"
    ),
    path(
        "<uuid:uuid>/evidence/<uuid:file_uuid>/", views.evidence_download, name="evidence_download"
    ),
    path(
        "<uuid:uuid>/evidence/<uuid:file_uuid>/delete/",
        views.evidence_delete,
        name="evidence_delete",
    ),
    path("<uuid:uuid>/legislation/", views.legislation, name="legislation"),
    path("<uuid:uuid>/results/", views.results, name="results"),
    path("<uuid:uuid>/workbook.xlsx", workbook_views.workbook_download, name="workbook_download"),
    path("<uuid:uuid>/workbook/", workbook_views.workbook_upload, name="workbook_upload"),
    path("<uuid:uuid>/workbook/confirm/", workbook_views.workbook_confirm, name="workbook_confirm"),
    path(
        "<uuid:uuid>/questionnaire.pdf",
        workbook_views.blank_questionnaire,
        name="blank_questionnaire",
    ),
    path("<uuid:uuid>/submit/", workflow_views.submit, name="submit"),
    path("<uuid:uuid>/language/", workflow_views.language, name="language"),
    path("<uuid:uuid>/framework-version/", version_views.move, name="version_move"),
    path("<uuid:uuid>/sections/<str:section>/not-assessed/", workflow_views.waiver, name="waiver"),
    path(
        "<uuid:uuid>/sections/<str:section>/confirm/",
        workflow_views.section_confirm,
        name="section_confirm",
    ),
    path("<uuid:uuid>/review/", workflow_views.review, name="review"),
    path("<uuid:uuid>/reopen/", workflow_views.reopen, name="reopen"),
    path("<uuid:uuid>/assignments/", workflow_views.assignments, name="assignments"),
    path("<uuid:uuid>/history/", workflow_views.history, name="history"),
    path("<uuid:uuid>/plan/", plan_views.plan_page, name="plan"),
    path("<uuid:uuid>/plan/targets/", plan_views.target_set, name="target_set"),
    path("<uuid:uuid>/plan/generate/", plan_views.actions_generate, name="actions_generate"),
    path("<uuid:uuid>/plan/actions/new/", plan_views.action_edit, name="action_new"),
    path(
        "<uuid:uuid>/plan/actions/<uuid:action_uuid>/", plan_views.action_edit, name="action_edit"
    ),
    path(
        "<uuid:uuid>/plan/actions/<uuid:action_uuid>/delete/",
        plan_views.action_delete,
        name="action_delete",
    ),
    path(
        "<uuid:uuid>/plan/actions/<uuid:action_uuid>/move/",
        plan_views.action_move,
        name="action_move",
    ),
    path("<uuid:uuid>/plan/export/<str:fmt>", plan_views.export, name="export"),
]
