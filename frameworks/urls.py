from django.urls import path

from . import views

app_name = "frameworks"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/v<int:number>/", views.version_detail, name="version"),
    path("<slug:slug>/v<int:number>/<str:code>/", views.capability_detail, name="capability"),
]
