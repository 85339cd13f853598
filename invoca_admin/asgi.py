import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoca_admin.settings")
application = get_asgi_application()

from invoca_admin.deploy import require_secret_key  # noqa: E402 (needs the settings loaded)

require_secret_key()
