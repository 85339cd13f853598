"""The Invoca service module: the only code in the project that speaks HTTP to Invoca.

Use ``get_client()`` (built from Django settings) and catch ``InvocaError`` subclasses
at the view boundary. Every call returns frozen dataclasses from ``types``.
"""

from .client import InvocaClient, get_client, is_configured
from .errors import (
    InvocaAuthError,
    InvocaError,
    InvocaNotConfigured,
    InvocaNotFound,
    InvocaServerError,
    InvocaUnavailable,
    InvocaValidationError,
)
from .types import (
    Advertiser,
    Campaign,
    CampaignRef,
    Destination,
    DestinationPage,
    LinkedDestination,
    PoolRef,
    RingPool,
    is_local_center,
    national_digits,
)

__all__ = [
    "Advertiser",
    "Campaign",
    "CampaignRef",
    "Destination",
    "DestinationPage",
    "InvocaAuthError",
    "InvocaClient",
    "InvocaError",
    "InvocaNotConfigured",
    "InvocaNotFound",
    "InvocaServerError",
    "InvocaUnavailable",
    "InvocaValidationError",
    "LinkedDestination",
    "PoolRef",
    "RingPool",
    "get_client",
    "is_configured",
    "is_local_center",
    "national_digits",
]
