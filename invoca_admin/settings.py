"""Settings for the Invoca admin dashboard.

Every value comes from the environment (or a `.env` file beside manage.py) through
django-environ; the defaults are safe for local use on loopback.
"""

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
    INVOCA_SYNC_CONCURRENCY=(int, 4),
    INVOCA_SYNC_PAGE_SIZE=(int, 500),
    SECURE_SSL_REDIRECT=(bool, False),
    SESSION_COOKIE_SECURE=(bool, None),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
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
    "invoca_admin",
    "destinations",
    "ringpools",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "invoca_admin.core.middleware.HtmxMessagesMiddleware",
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
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

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
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
_secure_cookies = env("SESSION_COOKIE_SECURE")
SESSION_COOKIE_SECURE = (not DEBUG) if _secure_cookies is None else _secure_cookies
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
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
INVOCA_SYNC_CONCURRENCY = env("INVOCA_SYNC_CONCURRENCY")
INVOCA_SYNC_PAGE_SIZE = env("INVOCA_SYNC_PAGE_SIZE")
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
# Start a sync in the background when a page is viewed and the cache is older than the TTL.
INVOCA_AUTO_SYNC = env.bool("INVOCA_AUTO_SYNC", default=True)
