from django.contrib import admin

from .models import Assessment, Country, Membership


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
