from django.urls import path

import config.converters  # noqa: F401  (registers the <code:> and <country:> converters)

from . import views
from .reviews.urls import urlpatterns as review_urlpatterns

app_name = "secretariat"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("trend/", views.trend, name="trend"),
    path("countries/<country:code>/", views.country_profile, name="country"),
    path("export/<code:what>.<code:fmt>", views.export, name="export"),
    *review_urlpatterns,
]
