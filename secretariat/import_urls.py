from django.urls import path

from . import import_views

app_name = "secretariat_import"

urlpatterns = [
    path("import/", import_views.upload, name="upload"),
    path("import/confirm/", import_views.confirm, name="confirm"),
]
