from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("start/", views.assessment_start, name="start"),
    path("<uuid:uuid>/", views.overview, name="overview"),
    path("<uuid:uuid>/capability/<str:code>/", views.capability, name="capability"),
    path("<uuid:uuid>/legislation/", views.legislation, name="legislation"),
    path("<uuid:uuid>/results/", views.results, name="results"),
]
