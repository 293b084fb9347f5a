from django.urls import path

from . import views
from .reviews.urls import urlpatterns as review_urlpatterns

app_name = "secretariat"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("trend/", views.trend, name="trend"),
    path("countries/<str:code>/", views.country_profile, name="country"),
    path("export/<str:what>.<str:fmt>", views.export, name="export"),
    *review_urlpatterns,
]
