"""The read-only JSON API (v1). Token authentication only; see REST_FRAMEWORK in settings.

Who may read an assessment is `assessment.access` (via `selectors`), exactly as for the pages;
the comparison endpoints show only named rows of `secretariat.comparison`.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment import access, frozen
from assessment.access import readable_assessments
from assessment.models import Assessment, Country
from frameworks.models import FrameworkVersion
from secretariat import comparison
from secretariat.models import LegislativeReview

from . import serializers as s
from .permissions import IsSecretariat
from .selectors import framework_tree


class CountryList(generics.ListAPIView):
    """Every country (public facts), for any authenticated user."""

    queryset = Country.objects.order_by("code")
    serializer_class = s.CountrySerializer
    pagination_class = None


class FrameworkVersionList(generics.ListAPIView):
    """Every loaded framework version."""

    queryset = FrameworkVersion.objects.select_related("framework").order_by(
        "framework__kind", "framework__slug", "-number"
    )
    serializer_class = s.FrameworkVersionSerializer
    pagination_class = None


@extend_schema(
    parameters=[
        OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH),
        OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH),
    ]
)
class FrameworkVersionDetail(APIView):
    """One framework version and its content: domains → capabilities (MNR), criteria
    (legislation) or recommendations."""

    @extend_schema(responses=s.FrameworkTreeSerializer)
    def get(self, request: Request, slug: str, number: int) -> Response:
        return Response(s.FrameworkTreeSerializer(framework_tree(slug, number)).data)


class AssessmentPagination(PageNumberPagination):
    page_size = 50


class AssessmentList(generics.ListAPIView):
    """The assessments the token's user may read, with their scores, 50 a page."""

    serializer_class = s.AssessmentSerializer
    pagination_class = AssessmentPagination

    def get_queryset(self) -> list[Assessment]:  # type: ignore[override]
        return readable_assessments(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # DRF pages a list as well as a queryset (Django's Paginator); the stubs allow only a
        # queryset, and ListAPIView is not subscriptable at run time to name its model.
        found = self.paginate_queryset(self.get_queryset())  # type: ignore[arg-type]
        page = cast(list[Assessment], found or [])
        # Submitted and validated ones carry the scores stored at submission (one query).
        prefetch_related_objects(page, "frozen_scores")
        data = s.AssessmentSerializer(
            page, many=True, context={"scores": frozen.stored_scores(page)}
        ).data
        return self.get_paginated_response(data)


class AssessmentDetail(APIView):
    """One assessment and its scores; 404 unless the token's user may read it."""

    @extend_schema(responses=s.AssessmentSerializer)
    def get(self, request: Request, uuid: UUID) -> Response:
        assessment = access.assessment_for(request.user, uuid)
        scores = frozen.stored_scores([assessment])
        return Response(s.AssessmentSerializer(assessment, context={"scores": scores}).data)


def _comparison(request: Request) -> comparison.Comparison:
    filters = s.FiltersSerializer(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return comparison.load_rows(filters.filters())


class ComparisonMatrix(APIView):
    """Secretariat only: the comparison matrix of the assessments shared by name, and how many
    aggregate-only ones are counted but not shown."""

    permission_classes = [IsAuthenticated, IsSecretariat]

    @extend_schema(parameters=[s.FiltersSerializer], responses=s.MatrixSerializer)
    def get(self, request: Request) -> Response:
        return Response(s.MatrixSerializer(_comparison(request)).data)


class ComparisonLegislation(APIView):
    """Secretariat only: legislative aggregates over every visible assessment (anonymised)."""

    permission_classes = [IsAuthenticated, IsSecretariat]

    @extend_schema(parameters=[s.FiltersSerializer], responses=s.LegislationAggregatesSerializer)
    def get(self, request: Request) -> Response:
        aggregates = comparison.aggregates(_comparison(request))
        return Response(s.LegislationAggregatesSerializer(aggregates).data)


class CycleBoard(APIView):
    """Secretariat only: a cycle's board (focal point and assessment state, last activity,
    deadline) for every member country; filters `region`, `hemisphere`, `status` as the page."""

    permission_classes = [IsAuthenticated, IsSecretariat]

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=s.BoardRowSerializer(many=True),
    )
    def get(self, request: Request, year: int) -> Response:
        from django.utils import timezone

        from cycles import board
        from cycles.forms import BoardFilterForm
        from cycles.models import Cycle

        cycle = get_object_or_404(Cycle, year=year)
        form = BoardFilterForm(request.query_params or None)
        data = form.cleaned_data if form.is_valid() else {}
        rows = board.board_rows(
            cycle,
            board.BoardFilters(
                region=data.get("region") or None,
                hemisphere=data.get("hemisphere") or "",
                status=data.get("status") or "",
            ),
            today=timezone.localdate(),
        )
        return Response(
            s.BoardRowSerializer(board.sort_board(rows, "country", False), many=True).data
        )


class ReviewList(generics.ListAPIView):
    """Secretariat only: the imported published reviews, most recent edition first."""

    permission_classes = [IsAuthenticated, IsSecretariat]
    serializer_class = s.ReviewSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return LegislativeReview.objects.order_by("-year", "source")


class ReviewLegislation(APIView):
    """Secretariat only: one review's section-07 table (countries with sufficient law, all
    five, no specific law, each criterion not met among those with some law that is not
    sufficient), under the sufficiency rule of its edition. A review is published data."""

    permission_classes = [IsAuthenticated, IsSecretariat]

    @extend_schema(
        parameters=[
            # drf-spectacular writes the path's <pk> as {id} (SCHEMA_COERCE_PATH_PK): the
            # parameter must carry that name, or the schema is invalid (issue 25).
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
            s.ReviewFiltersSerializer,
        ],
        responses=s.Section07Serializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        from secretariat.reviews import tables as reviews

        review = get_object_or_404(LegislativeReview, pk=pk)
        filters = s.ReviewFiltersSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response(s.Section07Serializer(reviews.section07(review, filters.filters())).data)


def not_found(request: HttpRequest) -> JsonResponse:
    """Any other path under the API: a JSON 404, not the HTML page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
