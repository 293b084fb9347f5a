from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from . import views

app_name = "api"

urlpatterns = [
    path("countries/", views.CountryList.as_view(), name="countries"),
    path("frameworks/", views.FrameworkVersionList.as_view(), name="frameworks"),
    path(
        "frameworks/<slug:slug>/v<int:number>/",
        views.FrameworkVersionDetail.as_view(),
        name="framework_version",
    ),
    path("assessments/", views.AssessmentList.as_view(), name="assessments"),
    path("assessments/<uuid:uuid>/", views.AssessmentDetail.as_view(), name="assessment"),
    path("comparison/matrix/", views.ComparisonMatrix.as_view(), name="comparison_matrix"),
    path(
        "comparison/legislation/",
        views.ComparisonLegislation.as_view(),
        name="comparison_legislation",
    ),
    path("cycles/<int:year>/board/", views.CycleBoard.as_view(), name="cycle_board"),
    path("reviews/", views.ReviewList.as_view(), name="reviews"),
    path(
        "reviews/<int:pk>/legislation/",
        views.ReviewLegislation.as_view(),
        name="review_legislation",
    ),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    # Unnamed on purpose: it answers 404 to everyone. Only paths ending in "/", so Django's
    # APPEND_SLASH still redirects "countries" to "countries/".
    re_path(r"^(?:.*/)?$", views.not_found),
]
