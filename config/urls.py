from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_safe

from assessment.views import questionnaire as assessment_views
from config.health import health
from secretariat.reviews.urls import import_patterns


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and tools ask for /favicon.ico whatever the page links: the app's icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("health/", health, name="health"),
    path("favicon.ico", favicon, name="favicon"),
    path("", assessment_views.home, name="home"),
    path("assessments/", include("assessment.urls")),
    path("frameworks/", include("frameworks.urls")),
    path("secretariat/", include("secretariat.urls")),
    path("secretariat/legislation/", include(import_patterns)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("", include("cycles.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]

# Our 500 page, or a 503 with Retry-After when the database is unreachable (config/errors.py).
handler500 = "config.errors.server_error"
