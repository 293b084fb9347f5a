"""The reviews' pages, included in `secretariat.urls` (same namespace, same permission), and the
import of a published review, mounted on its own under `secretariat/legislation/`."""

from django.urls import path

import config.converters  # noqa: F401  (registers the <code:> and <country:> converters)

from . import upload, views

urlpatterns = [
    path("reviews/", views.summary, name="review_summary"),
    path("reviews/export.<code:fmt>", views.export, name="review_export"),
    path("reviews/editions/", views.editions, name="review_editions"),
    path("reviews/matrix/", views.review_matrix, name="review_matrix"),
    path("reviews/map/", views.world_map, name="review_map"),
]

import_patterns = (
    [
        path("import/", upload.upload, name="upload"),
        path("import/confirm/", upload.confirm, name="confirm"),
    ],
    "secretariat_import",
)
