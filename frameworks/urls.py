from django.urls import path

import config.converters  # noqa: F401  (registers the <code:> and <country:> converters)

from . import views

app_name = "frameworks"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/v<int:number>/", views.version_detail, name="version"),
    path("<slug:slug>/v<int:number>/<code:code>/", views.capability_detail, name="capability"),
]
