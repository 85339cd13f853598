"""What production mode needs before it serves: a real SECRET_KEY, static files that
never turn into a 500.

``require_secret_key()`` runs when the web application is built (``wsgi.py``,
``asgi.py``, so gunicorn and ``runserver`` alike) and when ``manage.py serve``
starts: with ``DEBUG=False`` a missing key, or the placeholder that
``.env.example`` ships, stops the server with a message naming ``SECRET_KEY``.
Other commands (``migrate``, ``makemigrations``, tests) do not sign anything a
browser keeps, so they run with the local-only default.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from whitenoise.storage import CompressedManifestStaticFilesStorage

#: The value used when SECRET_KEY is unset (fine with DEBUG=True on one's own machine).
LOCAL_SECRET_KEY = "django-insecure-local-only-set-SECRET_KEY-in-production-0f3c9a7e41b2"
#: The placeholder in .env.example.
PLACEHOLDER_SECRET_KEY = "change-me-to-a-long-random-string"

SECRET_KEY_HELP = (
    "SECRET_KEY is not set (or is the placeholder from .env.example), and DEBUG is False. "
    "Set SECRET_KEY in .env or the environment to a long random value, e.g. the output of: "
    ".venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))'"
)


def secret_key_is_insecure() -> bool:
    return str(settings.SECRET_KEY).strip() in ("", LOCAL_SECRET_KEY, PLACEHOLDER_SECRET_KEY)


def require_secret_key() -> None:
    """Refuse to serve with DEBUG=False and no real SECRET_KEY."""
    if not settings.DEBUG and secret_key_is_insecure():
        raise ImproperlyConfigured(SECRET_KEY_HELP)


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list[Error]:
    if secret_key_is_insecure():
        return [Error(SECRET_KEY_HELP, id="invoca_admin.E001")]
    return []


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; a file missing from the manifest (``collectstatic``
    not run yet) is served under its plain name by WhiteNoise's finders instead of
    making every page a 500."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected: the plain name, which the finders serve
            return name
