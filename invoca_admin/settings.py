"""Settings for the Invoca admin dashboard.

Every value comes from the environment (or a `.env` file beside manage.py) through
django-environ; the defaults are safe for local use on loopback.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    INVOCA_API_URL=(str, ""),
    INVOCA_API_VERSION=(str, "2022-08-01"),
    INVOCA_NETWORK_ID=(str, ""),
    INVOCA_API_TOKEN=(str, ""),
    INVOCA_CACHE_TTL=(int, 900),
    INVOCA_CONNECT_TIMEOUT=(float, 5.0),
    INVOCA_READ_TIMEOUT=(float, 30.0),
    # A write and its retries end within this (well under gunicorn's 30 s worker timeout).
    INVOCA_WRITE_TIMEOUT=(float, 10.0),
    INVOCA_SYNC_CONCURRENCY=(int, 4),
    INVOCA_SYNC_PAGE_SIZE=(int, 500),
    HTTPS=(bool, False),
    AXES_FAILURE_LIMIT=(int, 5),
    AXES_COOLOFF_MINUTES=(int, 15),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
# With DEBUG=False the web server refuses to start on this default or on the placeholder
# of .env.example (invoca_admin/deploy.py); other commands may use it.
SECRET_KEY = env(
    "SECRET_KEY",
    default="django-insecure-local-only-set-SECRET_KEY-in-production-0f3c9a7e41b2",
)
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "invoca_admin",
    "destinations",
    "ringpools",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "invoca_admin.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "invoca_admin.core.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "invoca_admin.error_pages.NotAllowedPageMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "invoca_admin.core.middleware.HtmxMessagesMiddleware",
    # Last, so that it sees the login view's failed attempts and answers with the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "invoca_admin.urls"
WSGI_APPLICATION = "invoca_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "invoca_admin.context_processors.dashboard",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the task worker share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one IP address, that pair is locked out for AXES_COOLOFF_MINUTES;
# every further attempt during the lock-out restarts the wait. Lift it early with
# `manage.py axes_reset` (everyone) or `axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env("AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=env("AXES_COOLOFF_MINUTES"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "invoca_admin.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "invoca_admin.deploy.StaticFilesStorage"
        )
    },
}
# `make serve` runs collectstatic; should it not have run, the finders still serve the files.
WHITENOISE_USE_FINDERS = True

# Signed cookies first, the session for overflow: a message survives logout.
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Security headers. The CSP allows only this origin: htmx is served locally by
# {% htmx_script %}, and the page has no inline scripts (nonce kept for safety).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CSRF_FAILURE_VIEW = "invoca_admin.error_pages.csrf_failure"

# HTTPS=True: the site is served over TLS (itself or behind a proxy that sets
# X-Forwarded-Proto). Secure cookies, a redirect of plain http, and HSTS for a year.
# HTTPS=False (the default): plain http, e.g. on loopback; cookies are not Secure, so
# a browser can log in over http.
HTTPS = env("HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's plain-http health check
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = HTTPS and env.bool("HSTS_PRELOAD", default=True)
# The address a lock-out counts: the connection's own, unless a proxy in front (HTTPS=True)
# adds X-Forwarded-For; a client's own X-Forwarded-For is never believed on plain http.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if HTTPS else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=1) if HTTPS else None
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Background tasks: django.tasks with the django-tasks-db backend (`manage.py db_worker`).
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Invoca Network API (see shared INVOCA_API.md). The token is a secret: it is only
# ever sent as the Authorization header.
INVOCA_API_URL = env("INVOCA_API_URL").rstrip("/")
INVOCA_API_VERSION = env("INVOCA_API_VERSION")
INVOCA_NETWORK_ID = env("INVOCA_NETWORK_ID")
INVOCA_API_TOKEN = env("INVOCA_API_TOKEN")
INVOCA_CACHE_TTL = env("INVOCA_CACHE_TTL")
INVOCA_CONNECT_TIMEOUT = env("INVOCA_CONNECT_TIMEOUT")
INVOCA_READ_TIMEOUT = env("INVOCA_READ_TIMEOUT")
INVOCA_WRITE_TIMEOUT = env("INVOCA_WRITE_TIMEOUT")
INVOCA_SYNC_CONCURRENCY = env("INVOCA_SYNC_CONCURRENCY")
INVOCA_SYNC_PAGE_SIZE = env("INVOCA_SYNC_PAGE_SIZE")
# Networks that generate ring pool ids let the create form leave `id_from_network` empty.
INVOCA_GENERATES_RING_POOL_IDS = env.bool("INVOCA_GENERATES_RING_POOL_IDS", default=False)
# A running sync refreshes its heartbeat; a claim older than this is taken as dead.
INVOCA_SYNC_STALE_SECONDS = env.int("INVOCA_SYNC_STALE_SECONDS", default=120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# /healthz counts a task worker as recent when a task started or finished this many
# seconds ago at most (default: two cache TTLs, as the scheduler syncs once per TTL).
HEALTHZ_WORKER_MAX_AGE = env.int("HEALTHZ_WORKER_MAX_AGE", default=2 * INVOCA_CACHE_TTL)
# Start a sync in the background when a page is viewed and the cache is older than the TTL.
INVOCA_AUTO_SYNC = env.bool("INVOCA_AUTO_SYNC", default=True)
