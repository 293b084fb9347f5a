from django.urls import path

import config.converters  # noqa: F401  (registers the <code:> and <country:> converters)

from .views import cycles, exports, members, reminders

app_name = "cycles"

urlpatterns = [
    path("secretariat/cycles/", cycles.cycle_list, name="list"),
    path("secretariat/cycles/<int:year>/", cycles.board_page, name="board"),
    path("secretariat/cycles/<int:year>/board.<str:fmt>", cycles.board_export, name="board_export"),
    path("secretariat/cycles/<int:year>/open/", cycles.cycle_open, name="open"),
    path(
        "secretariat/cycles/<int:year>/deadline/<country:code>/",
        cycles.deadline_extend,
        name="extend",
    ),
    path("secretariat/cycles/<int:year>/exports/", exports.export_start, name="export_start"),
    path("secretariat/exports/<uuid:uuid>/", exports.export_page, name="export"),
    path(
        "secretariat/exports/<uuid:uuid>/download/",
        exports.export_download,
        name="export_download",
    ),
    path("secretariat/members/", members.member_list, name="members"),
    path(
        "assessments/<uuid:uuid>/remind-contributors/",
        reminders.remind_contributors,
        name="remind_contributors",
    ),
    path("accounts/reminders/", reminders.reminder_settings, name="reminder_settings"),
    path(
        "secretariat/members/<country:code>/focal-points/",
        members.focal_point_add,
        name="focal_point_add",
    ),
    path(
        "secretariat/focal-points/<uuid:uuid>/invite/",
        members.focal_point_invite,
        name="focal_point_invite",
    ),
]
