"""Framework content is read-only in the admin: it changes only by loading a new file version."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Capability,
    Criterion,
    Domain,
    Framework,
    FrameworkVersion,
    Indicator,
    Recommendation,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["slug", "kind"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdmin):
    list_display = ["framework", "number", "edition", "file_name", "loaded_at"]
    list_filter = ["framework"]


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "version"]
    list_filter = ["version"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    can_delete = False
    readonly_fields = ["code", "order", "text"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Capability)
class CapabilityAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "domain", "foundational", "version"]
    list_filter = ["version", "foundational"]
    inlines = [IndicatorInline]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "scored", "version"]
    list_filter = ["version", "scored"]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["code", "actor", "version"]
    list_filter = ["version", "actor"]
