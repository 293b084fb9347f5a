"""One settings module for every environment; everything that differs comes from the environment.

Without any variable set, the app runs in development mode on a SQLite file next to manage.py.
Production sets DEBUG=0, SECRET_KEY, SITE_URL, ALLOWED_HOSTS and DATABASE_URL (see .env.example).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.site import site_url_checked

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105

# The site's public address, the only source of the links in emails (config/site.py): never the
# request's Host header. Required in production; the development server's address otherwise.
SITE_URL = os.environ.get("SITE_URL", "") or ("http://127.0.0.1:8000" if DEBUG else "")
if not SITE_URL:
    raise RuntimeError("SITE_URL (the site's https:// address, for email links) must be set.")
SITE_URL = site_url_checked(SITE_URL, production=not DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "frameworks",
    "assessment",
    "secretariat",
    "accounts",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "api",
    "outbox",
    "cycles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching): no response is kept by the browser.
    "accounts.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads the body: stops an upload at its URL's limit (config/uploads.py).
    "config.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PersonalLanguageMiddleware",
    # After authentication: marks request.user as verified by a second factor (or not).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After OTP and messages: sends users who still owe a second factor to verify or set it up.
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the SQL, so that psycopg prepares a query the fifth time a
    # connection runs it and PostgreSQL parses and plans it once per connection, not on every
    # request: 6-17 % of a page's time (docs/benchmarks.md). Behind a pooler in transaction
    # mode (PgBouncer before 1.21), which cannot keep prepared statements, set
    # DB_PREPARED_STATEMENTS=0.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": 5 if env_bool("DB_PREPARED_STATEMENTS", True) else None,
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every sign-in first and refuses it while locked out; then Django's own backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The languages of the alliance's Global Strategic Response. The interface's catalogues are in
# locale/ (gettext, compiled by ./run, the Dockerfile and CI), the framework texts' in
# frameworks/locale/ (frameworks/i18n.py). The translations are the project's own.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
    ("pt", _("Portuguese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Evidence files are in the database (assessment/evidence_store.py), served only by the
# access-checked view. EVIDENCE_ROOT is where versions before that kept them on disk: only the
# evidence_to_database command reads it, to move them in.
EVIDENCE_ROOT = Path(os.environ.get("EVIDENCE_ROOT", BASE_DIR / "private" / "evidence"))
EVIDENCE_MAX_UPLOAD_BYTES = int(os.environ.get("EVIDENCE_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
# An uploaded questionnaire workbook (assessment/workbook/): a filled-in one is ~100 kB.
WORKBOOK_MAX_UPLOAD_BYTES = int(os.environ.get("WORKBOOK_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
# Disclosure control (secretariat/disclosure.py): an "aggregate only" assessment counts in a
# published figure only inside a group of at least this many of them.
AGGREGATE_MIN_GROUP = max(2, int(os.environ.get("AGGREGATE_MIN_GROUP", "3")))
INVITATION_MAX_AGE_SECONDS = int(os.environ.get("INVITATION_MAX_AGE_SECONDS", str(7 * 24 * 3600)))

# Bulk exports of a cycle (cycles/bulk.py): ZIP files the worker writes and the app serves, kept
# this many days. In docker compose both containers mount the same volume here.
EXPORT_ROOT = Path(os.environ.get("EXPORT_ROOT", BASE_DIR / "private" / "exports"))
BULK_EXPORT_KEEP_DAYS = int(os.environ.get("BULK_EXPORT_KEEP_DAYS", "7"))

# Where the framework data files live; load_frameworks reads every *.yaml in it.
FRAMEWORK_DATA_DIR = BASE_DIR / "frameworks" / "data"
FRAMEWORK_LOCALE_DIR = BASE_DIR / "frameworks" / "locale"

# Sessions end after 8 hours (counted from sign-in: the expiry is not pushed back on every
# request) or when the browser closes, whichever comes first.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_SAVE_EVERY_REQUEST = env_bool("SESSION_SAVE_EVERY_REQUEST", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# The language cookie (the switcher) carries the session cookie's flags: no script reads it.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = SESSION_COOKIE_SAMESITE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The orchestrator probes the health endpoint over plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # On by default, so `check --deploy` is clean without silencing anything. The `preload` word
    # in the header only declares consent: nothing happens until the owner of the registrable
    # domain submits it at hstspreload.org, which is accepted only when the header is served
    # from the bare domain. Turn it off (SECURE_HSTS_PRELOAD=0) if the domain owner refuses
    # preloading; `check --deploy` then shows security.W021 on purpose, as a reminder.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp 4): only our own origin, no inline script or style, no
# framing, no plugins. The QR code on the two-factor page is inline SVG, not an image request.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Sign-in throttling (django-axes): 5 failed attempts for one username from one address lock
# that pair out for 30 minutes; a successful sign-in clears the pair's count. 20 failed attempts
# from one address, whatever the usernames, lock the address out (AXES_HANDLER, which see).
AXES_VERBOSE = env_bool("AXES_VERBOSE", False)  # its INFO lines on every request drown the logs
AXES_HANDLER = "accounts.middleware.AddressLimitedAxesHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_IP_FAILURE_LIMIT = int(os.environ.get("AXES_IP_FAILURE_LIMIT", "20"))
AXES_LOCK_OUT_AT_FAILURE = True  # axes' default, named because the address limit reads it
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
# The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the entry
# the outermost of them appended to X-Forwarded-For (see accounts.middleware.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.middleware.client_ip"
AXES_USERNAME_CALLABLE = "accounts.middleware.client_username"

# Second factor (django-otp, TOTP). Secretariat admins and superusers must use it; everyone else
# may (accounts.middleware.TwoFactorMiddleware enforces both).
OTP_TOTP_ISSUER = "MNR Self-Assessment"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# The default cache holds only the API's throttle counts (sessions and django-axes' sign-in
# counts are in the database). With REDIS_URL every gunicorn worker counts in one Redis;
# without it each process keeps its own local-memory cache, so N workers allow N times the rate.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mnr",
            # A Redis that hangs must not hang the workers with it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }

# The read-only JSON API under /api/v1/ (api/): Django REST framework with its token
# authentication only (no session, so no CSRF and no second-factor redirect; tokens come from
# `manage.py api_token USERNAME`), JSON only, throttled per user and per client address (anon,
# the address read as for django-axes: TRUSTED_PROXY_COUNT; DRF counts only requests that pass
# authentication and permissions). Throttle counts live in the default cache (see CACHES).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("API_THROTTLE_USER", "600/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # Every operation documents its error responses too (issue 25).
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    # DRF's, plus a JSON 503 (never unthrottled) when the cache holding the counts is down.
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MNR Self-Assessment API",
    "DESCRIPTION": (
        "Read-only. Send `Authorization: Token <key>`; a token reads exactly what its user may "
        "read in the app."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema holds no data, but like everything under /api/ it needs a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "FrameworkKindEnum": "frameworks.models.Framework.Kind",
        "FlagKindEnum": "assessment.scoring.FlagKind",
    },
}

# Email (invitations, password resets). With EMAIL_HOST set, mail goes out over SMTP unless
# EMAIL_BACKEND says otherwise; without it, to the console (development).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise RuntimeError("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
# Seconds before a stuck mail server fails the request instead of hanging it.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# Email goes out through the outbox (outbox/): a row per message, sent by the background worker,
# retried after OUTBOX_RETRY_SECONDS (doubling, at most an hour) while the mail server is away.
OUTBOX_RETRY_SECONDS = int(os.environ.get("OUTBOX_RETRY_SECONDS", "60"))
OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "3600"))

# The task queue (config/celery.py): Celery with Redis as its broker. Without a broker (the demo,
# the tests, a single-process install) tasks run inside the web process after each commit.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or REDIS_URL
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "mnr")
CELERY_TASK_IGNORE_RESULT = True  # results live in the database rows the tasks work on
CELERY_TASK_ACKS_LATE = True  # a task a worker died in is handed to another
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues a task must not hang on a Redis that is down (the row is safe anyway).
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = TIME_ZONE
# The scheduler's ticks: each finds whatever is due in the database.
OUTBOX_TICK_SECONDS = float(os.environ.get("OUTBOX_TICK_SECONDS", "60"))
WORKER_LATE_AFTER_SECONDS = int(os.environ.get("WORKER_LATE_AFTER_SECONDS", "300"))
REMINDER_TICK_SECONDS = float(os.environ.get("REMINDER_TICK_SECONDS", "3600"))
CELERY_BEAT_SCHEDULE = {
    "deliver-outbox": {"task": "outbox.tasks.deliver_outbox", "schedule": OUTBOX_TICK_SECONDS},
    "heartbeat": {"task": "outbox.tasks.heartbeat", "schedule": min(60.0, OUTBOX_TICK_SECONDS)},
    # Reminders are due by the day; an hourly look sends each on its day, whenever it starts.
    "reminders": {"task": "cycles.tasks.send_reminders", "schedule": REMINDER_TICK_SECONDS},
    "exports-resume": {"task": "cycles.tasks.exports_resume", "schedule": OUTBOX_TICK_SECONDS},
    "exports-cleanup": {"task": "cycles.tasks.exports_cleanup", "schedule": 6 * 3600.0},
}

if env_bool("FAST_PASSWORD_HASHER", False):
    # Tests only: the real hashers are deliberately slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every render at INFO; axes every sign-in (its lockouts
    # are WARNING); the dev server's reloader announced itself twice (its own handler and ours).
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
    },
}
