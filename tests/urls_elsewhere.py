"""A URL configuration that serves the site under /elsewhere/ (test_assessment_header.py)."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("config.urls"))]
