"""Plain, read-only serializers: model rows and the scoring/comparison dataclasses to JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessment import access, scoring
from assessment.models import Assessment, Country
from frameworks.models import Framework
from secretariat import comparison

# Fields named `source` or `label` carry `# type: ignore[assignment]`: the stubs type them as
# the Field attributes of those names (a Serializer is a Field), but DRF's metaclass moves
# declared fields into `_declared_fields`, so the names never meet at run time.

# --- countries and frameworks ---------------------------------------------------------------


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    region_code = serializers.IntegerField(allow_null=True)
    region_name = serializers.CharField()
    subregion_code = serializers.IntegerField(allow_null=True)
    subregion_name = serializers.CharField()
    hemisphere = serializers.ChoiceField(choices=Country.Hemisphere.choices)
    is_demo = serializers.BooleanField()


class VersionRefSerializer(serializers.Serializer):
    slug = serializers.CharField(source="framework.slug")
    number = serializers.IntegerField()


class FrameworkVersionSerializer(VersionRefSerializer):
    kind = serializers.ChoiceField(choices=Framework.Kind.choices, source="framework.kind")
    title = serializers.CharField()
    edition = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # see top
    note = serializers.CharField()
    sha256 = serializers.CharField()
    loaded_at = serializers.DateTimeField()


class RecommendationLinkSerializer(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField()


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    order = serializers.IntegerField()
    text = serializers.CharField()


class CapabilitySerializer(serializers.Serializer):
    code = serializers.CharField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    summary = serializers.CharField()
    foundational = serializers.BooleanField()
    priority_weight = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]  # see top
    level_descriptors = serializers.ListField(
        child=serializers.CharField(), help_text="One descriptor per level of the scale."
    )
    recommendation_links = RecommendationLinkSerializer(many=True)
    indicators = IndicatorSerializer(many=True, source="indicator_list")


class DomainSerializer(serializers.Serializer):
    code = serializers.CharField()
    order = serializers.IntegerField()
    name = serializers.CharField()
    outcome = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # see top
    capabilities = CapabilitySerializer(many=True, source="capability_list")


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    order = serializers.IntegerField()
    scored = serializers.BooleanField()
    name = serializers.CharField()
    question = serializers.CharField()
    guidance = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # see top
    recommendation_links = RecommendationLinkSerializer(many=True)


class RecommendationSerializer(serializers.Serializer):
    code = serializers.CharField()
    order = serializers.IntegerField()
    actor = serializers.CharField()
    text = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # see top


class FrameworkTreeSerializer(FrameworkVersionSerializer):
    """One version with its content; the lists that do not belong to its kind are empty."""

    rules = serializers.JSONField(help_text="Scale and scoring rules (MNR), sufficiency rule.")
    domains = DomainSerializer(many=True, source="domain_list")
    criteria = CriterionSerializer(many=True, source="criterion_list")
    recommendations = RecommendationSerializer(many=True, source="recommendation_list")


# --- scores ---------------------------------------------------------------------------------


class FlagSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[k.value for k in scoring.FlagKind])
    code = serializers.CharField()
    subject = serializers.CharField()
    message = serializers.CharField()


class CapabilityScoreSerializer(serializers.Serializer):
    code = serializers.CharField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=[s.value for s in scoring.State])
    level = serializers.SerializerMethodField(
        help_text='The level counted in the means (0 for "don\'t know"); null when not counted.'
    )
    flags = FlagSerializer(many=True)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_level(self, cap: scoring.CapabilityScore) -> int | None:
        return cap.level if cap.counts else None


class DomainScoreSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    progress = serializers.ChoiceField(choices=[p.value for p in scoring.Progress])
    score = serializers.FloatField(allow_null=True, help_text="Mean level of counted capabilities.")
    percent = serializers.FloatField(allow_null=True)
    capabilities = CapabilityScoreSerializer(many=True)


class CriterionResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField(help_text='"met", "not_met", "dont_know" or "" (not answered).')


class LegislationResultSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    total = serializers.IntegerField()
    verdict = serializers.ChoiceField(choices=[v.value for v in scoring.Verdict])
    progress = serializers.ChoiceField(choices=[p.value for p in scoring.Progress])
    rule = serializers.CharField(source="rule.description")
    criteria = CriterionResultSerializer(many=True)


class ScoresSerializer(serializers.Serializer):
    overall = serializers.FloatField(allow_null=True, help_text="Mean of the domain scores.")
    overall_percent = serializers.FloatField(allow_null=True)
    max_level = serializers.IntegerField()
    progress = serializers.ChoiceField(choices=[p.value for p in scoring.Progress])
    domains = DomainScoreSerializer(many=True)
    legislation = LegislationResultSerializer()
    flags = FlagSerializer(many=True)


class AssessmentSerializer(serializers.Serializer):
    """An assessment and its scores; context["scores"] maps assessment pk -> Scores."""

    uuid = serializers.UUIDField()
    country = CountrySerializer()
    cycle = serializers.IntegerField()
    revision = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Assessment.Status.choices)
    sharing = serializers.SerializerMethodField(
        help_text="How the country shares this cycle: the choice of its latest submitted "
        "revision, which governs every revision of the cycle."
    )
    created_at = serializers.DateTimeField()
    mnr_version = VersionRefSerializer()
    legislation_version = VersionRefSerializer()
    recommendations_version = VersionRefSerializer()
    scores = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=Assessment.Sharing.choices))
    def get_sharing(self, assessment: Assessment) -> str:
        return access.cycle_sharing(assessment)

    @extend_schema_field(ScoresSerializer)
    def get_scores(self, assessment: Assessment) -> dict[str, Any]:
        return ScoresSerializer(self.context["scores"][assessment.pk]).data


# --- comparison (secretariat) ---------------------------------------------------------------


class QueryIntegerField(serializers.IntegerField):
    """An optional integer query parameter: left out, or a number. DRF reads an empty value
    (`?region=`) from a query string as if the parameter were left out; the schema says an
    integer, so an empty one is refused (400) like any other word that is not a number."""

    def get_value(self, dictionary: Any) -> Any:
        if dictionary.get(self.field_name, None) == "":
            return ""
        return super().get_value(dictionary)


class FiltersSerializer(serializers.Serializer):
    """Query parameters of the comparison endpoints (secretariat.comparison.Filters)."""

    cycle = QueryIntegerField(required=False, min_value=2000, max_value=2100)
    region = QueryIntegerField(required=False, min_value=1, help_text="UN M49 code.")
    subregion = QueryIntegerField(required=False, min_value=1, help_text="UN M49 code.")
    hemisphere = serializers.ChoiceField(
        choices=Country.Hemisphere.choices, required=False, allow_blank=True
    )
    status = serializers.ChoiceField(
        choices=[s.value for s in comparison.VISIBLE],
        required=False,
        allow_blank=True,
        help_text="Submitted or validated; both when omitted.",
    )

    def filters(self) -> comparison.Filters:
        return comparison.Filters(**self.validated_data)


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # see top
    kind = serializers.CharField()


class MatrixRowSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    country = CountrySerializer()
    cycle = serializers.IntegerField()
    revision = serializers.IntegerField()
    status = serializers.CharField()
    cells = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.DictField(
            child=serializers.JSONField(allow_null=True),
            help_text="Column key -> value: level (int), domain/overall mean (float), "
            'criterion value ("met", …), criteria met (int); null when not counted.',
        )
    )
    def get_cells(self, row: comparison.Row) -> dict[str, Any]:
        return {c.key: comparison.cell(row, c) for c in self.context["columns"]}


class MatrixSerializer(serializers.Serializer):
    """Named rows only: an aggregate-only assessment is counted in hidden_count, never shown."""

    columns = ColumnSerializer(many=True)
    rows = serializers.SerializerMethodField()
    named_count = serializers.SerializerMethodField()
    hidden_count = serializers.IntegerField(
        allow_null=True,
        help_text="Aggregate-only assessments of the view: never shown, and counted in "
        "aggregates only as comparison/legislation/ reports. Null: some may be left out, and "
        "how many is said only where that number is safe (views of every cycle or one cycle, "
        "with no region, North/South or status filter).",
    )

    @extend_schema_field(MatrixRowSerializer(many=True))
    def get_rows(self, c: comparison.Comparison) -> list[dict[str, Any]]:
        rows = comparison.sort_rows(c.named_rows, "", False, c.columns)  # by country name
        # many=True makes a ListSerializer, whose data is a list; the stubs type it as one dict.
        return MatrixRowSerializer(rows, many=True, context={"columns": c.columns}).data  # type: ignore[return-value]

    def get_named_count(self, c: comparison.Comparison) -> int:
        return len(c.named_rows)


class LawRowSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # see top
    count = serializers.IntegerField()
    among = serializers.IntegerField()
    among_label = serializers.CharField()
    left_out = serializers.IntegerField(
        allow_null=True,
        help_text="Aggregate-only assessments of this row's population left out to protect "
        "them; null: some may be (how many is said only where that number is safe).",
    )


class LegislationAggregatesSerializer(serializers.Serializer):
    """Counts over the named assessments and the aggregate-only ones that disclosure control
    allows (groups of at least AGGREGATE_MIN_GROUP, whole cycles only), with no row identity."""

    assessed = serializers.IntegerField()
    named = serializers.IntegerField()
    hidden = serializers.IntegerField(
        source="hidden_in_totals", help_text="Aggregate-only assessments counted."
    )
    left_out = serializers.IntegerField(
        allow_null=True,
        help_text="Aggregate-only assessments of the filter left out to protect them; null: "
        "some may be (how many is said only where that number is safe).",
    )
    legislation = LawRowSerializer(many=True)


# --- published legislative reviews (secretariat.reviews) ------------------------------------


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]  # see top
    year = serializers.IntegerField()
    rule = serializers.JSONField(
        source="rules",
        help_text='The edition\'s sufficiency rule: {"required": [criterion codes], '
        '"at_least": n, "description": "..."}.',
    )


class ReviewFiltersSerializer(serializers.Serializer):
    """Query parameters of the review endpoint (secretariat.reviews.tables.ReviewFilters)."""

    region = QueryIntegerField(required=False, min_value=1, help_text="UN M49 code.")
    subregion = QueryIntegerField(required=False, min_value=1, help_text="UN M49 code.")
    hemisphere = serializers.ChoiceField(
        choices=Country.Hemisphere.choices, required=False, allow_blank=True
    )

    def filters(self) -> Any:
        from secretariat.reviews.tables import ReviewFilters

        return ReviewFilters(**self.validated_data)


class ReviewLawRowSerializer(serializers.Serializer):
    label = serializers.CharField(  # type: ignore[assignment]  # see top
        help_text="sufficient, all_five, no_specific_law, or not_<criterion code>."
    )
    count = serializers.IntegerField()
    among = serializers.IntegerField()
    among_label = serializers.CharField(
        help_text='"all": the countries with every criterion known; "some_insufficient": '
        "those with some CSAM-specific law that is not sufficient."
    )


class Section07Serializer(serializers.Serializer):
    """The report's section-07 table computed from one review under its edition's rule."""

    review = ReviewSerializer()
    reviewed = serializers.IntegerField(help_text="Countries of the review in the filter.")
    incomplete = serializers.IntegerField(
        help_text="Of them, with a criterion not known (counted in no row)."
    )
    rows = ReviewLawRowSerializer(many=True)


class BoardRowSerializer(serializers.Serializer):
    """A member country's row of a cycle's board: where it is, never what it answered."""

    country = serializers.CharField(source="country.pk")
    name = serializers.CharField(source="country.name")
    region_code = serializers.IntegerField(source="country.region_code", allow_null=True)
    hemisphere = serializers.CharField(source="country.hemisphere")
    member_since = serializers.DateField()
    focal_point = serializers.CharField(source="focal_state")
    assessment = serializers.CharField(source="assessment_status")
    last_activity = serializers.SerializerMethodField()
    deadline = serializers.DateField()
    extended = serializers.BooleanField()
    days_left = serializers.SerializerMethodField()
    overdue = serializers.BooleanField()

    def get_last_activity(self, row: Any) -> str | None:
        return row.last_activity.date().isoformat() if row.last_activity else None

    def get_days_left(self, row: Any) -> int | None:
        from cycles.board import OPEN_STATES

        return row.days_left if row.assessment_status in OPEN_STATES else None
