"""Published reviews, included in `secretariat.urls` (same namespace, same permission)."""

from django.urls import path

from . import review_views

urlpatterns = [
    path("reviews/", review_views.summary, name="review_summary"),
    path("reviews/export.<str:fmt>", review_views.export, name="review_export"),
    path("reviews/editions/", review_views.editions, name="review_editions"),
    path("reviews/matrix/", review_views.review_matrix, name="review_matrix"),
    path("reviews/map/", review_views.world_map, name="review_map"),
]
