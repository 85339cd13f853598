"""The one place that speaks HTTP to Invoca's Network API.

``get_client()`` builds an :class:`InvocaClient` from Django settings; nothing
else in the project imports ``requests``. The client is one transport
(``transport.py``: session, token, timeouts, retries, the error tree) with one
part per resource: ``destinations.py``, ``advertisers.py`` (and campaigns),
``ring_pools.py``. Every success is a frozen dataclass (``types.py``).
"""

from __future__ import annotations

from django.conf import settings

from .advertisers import AdvertisersAPI
from .destinations import DESTINATION_STATUSES, SORT_DIRECTIONS, DestinationsAPI
from .errors import InvocaNotConfigured
from .ring_pools import RingPoolsAPI
from .transport import DEFAULT_API_VERSION

__all__ = [
    "DEFAULT_API_VERSION",
    "DESTINATION_STATUSES",
    "SORT_DIRECTIONS",
    "InvocaClient",
    "get_client",
    "is_configured",
]


class InvocaClient(DestinationsAPI, AdvertisersAPI, RingPoolsAPI):
    """A small, typed client for the parts of Invoca's Network API this project uses."""


# --- construction from settings ---------------------------------------------------------------

_REQUIRED_SETTINGS = ("INVOCA_API_URL", "INVOCA_NETWORK_ID", "INVOCA_API_TOKEN")


def _missing_settings() -> list[str]:
    return [
        name for name in _REQUIRED_SETTINGS if not str(getattr(settings, name, "") or "").strip()
    ]


def is_configured() -> bool:
    """True when the settings name an Invoca URL, network id and token."""
    return not _missing_settings()


def get_client() -> InvocaClient:
    """A new :class:`InvocaClient` built from Django settings.

    Raises :class:`InvocaNotConfigured` naming the missing environment variables.
    """
    missing = _missing_settings()
    if missing:
        names = ", ".join(missing)
        raise InvocaNotConfigured(
            f"Invoca is not configured: set {names} in the environment (or .env) "
            "and restart the dashboard."
        )
    return InvocaClient(
        api_url=str(settings.INVOCA_API_URL).strip(),
        network_id=str(settings.INVOCA_NETWORK_ID).strip(),
        token=str(settings.INVOCA_API_TOKEN).strip(),
        api_version=getattr(settings, "INVOCA_API_VERSION", None) or DEFAULT_API_VERSION,
        connect_timeout=float(getattr(settings, "INVOCA_CONNECT_TIMEOUT", None) or 5.0),
        read_timeout=float(getattr(settings, "INVOCA_READ_TIMEOUT", None) or 30.0),
        write_timeout=float(getattr(settings, "INVOCA_WRITE_TIMEOUT", None) or 10.0),
    )
