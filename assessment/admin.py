from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from . import audit
from .models import Assessment, AuditEvent, Country, Membership


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region_name", "subregion_name", "hemisphere", "is_demo"]
    list_filter = ["hemisphere", "region_name", "is_demo"]
    search_fields = ["code", "demo_name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "country"]
    list_filter = ["role"]
    autocomplete_fields = ["country"]

    # Membership changes made here are recorded like those made through invitations.
    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        before = None
        if change:
            old = Membership.objects.get(pk=obj.pk)
            before = {"user": old.user.get_username(), "role": old.role, "country": old.country_id}
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="membership.changed" if change else "membership.added",
            country=obj.country,
            before=before,
            after={"user": obj.user.get_username(), "role": obj.role, "country": obj.country_id},
        )

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        audit.record(
            actor=request.user,
            action="membership.removed",
            country=obj.country,
            before={"user": obj.user.get_username(), "role": obj.role, "country": obj.country_id},
        )
        super().delete_model(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Bulk deletion would skip delete_model and so the audit trail; one at a time only.
        return super().has_delete_permission(request, obj) and obj is not None


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    # Answers are edited only through the questionnaire, where access rules apply.
    list_display = ["country", "cycle", "status", "mnr_version", "legislation_version"]
    list_filter = ["status", "cycle"]
    readonly_fields = [
        "uuid",
        "mnr_version",
        "legislation_version",
        "recommendations_version",
        "created_by",
        "created_at",
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only."""

    list_display = ["at", "actor_name", "action", "country", "subject"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
