"""What the values of a ring pool must look like: the choices Invoca knows, the limits of the
cache's columns, area codes, ZIP codes and phone numbers."""

import re

import phonenumbers
from django import forms

POOL_TYPES = (
    ("Search", "Search"),
    ("SearchKeyword", "Search keyword"),
    ("Custom", "Custom"),
    ("CustomWithSearchTracking", "Custom with search tracking"),
    ("ReferralDomain", "Referral domain"),
    ("ReferralDomainWithSearchTracking", "Referral domain with search tracking"),
)
DESTINATION_TYPES = (("Advertiser", "Advertiser"), ("API", "API"))
FALLBACK_STRATEGIES = (
    ("UseTollFree", "Use toll-free numbers"),
    ("Wait", "Wait for local numbers"),
)
PARAM_FIELDS = tuple(f"param{n}" for n in range(1, 11))
CENTRE_FIELDS = {"npa": ("tn_prefix",), "zip": ("zipcode",), "coords": ("latitude", "longitude")}
LOCAL_FIELDS = (
    "centre_by",
    "tn_prefix",
    "zipcode",
    "latitude",
    "longitude",
    "search_radius_miles",
    "restrict_search_to_state",
    "allocation_fallback_strategy",
    "tn_prefix_whitelist",
)
DEFAULT_SEARCH_RADIUS = 240
#: The largest value the cache's integer columns hold on every database (PostgreSQL
#: ``integer``); a larger number is a field error, never a failed cache write.
INT_MAX = 2**31 - 1
NAME_MAX = 255
STRING_MAX = 2048

_NPA_RE = re.compile(r"[2-9]\d\d")
_ZIP_RE = re.compile(r"\d{5}")
_ID_FORBIDDEN = set("/?#")

NPA_MESSAGE = "An NPA is a 3-digit area code that does not start with 0 or 1, e.g. 805."


def parse_npa(value: str) -> str:
    value = value.strip()
    if not _NPA_RE.fullmatch(value):
        raise forms.ValidationError(f"“{value}” is not an area code. {NPA_MESSAGE}", code="npa")
    return value


def parse_npa_list(value: str) -> list[str]:
    """'805, 212 415' -> ['805', '212', '415'] (order kept, duplicates dropped)."""
    npas: list[str] = []
    errors: list[str] = []
    for part in re.split(r"[\s,;]+", value or ""):
        if not part:
            continue
        if not _NPA_RE.fullmatch(part):
            errors.append(part)
        elif part not in npas:
            npas.append(part)
    if errors:
        listed = ", ".join(f"“{part}”" for part in errors[:5])
        raise forms.ValidationError(
            f"Not an area code: {listed}. {NPA_MESSAGE}", code="npa_whitelist"
        )
    return npas


def normalise_phone_number(value: str) -> str:
    """Any way of typing a North American number -> 'NPA-NXX-XXXX', else ValidationError."""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(
            "This is not a phone number. Type a 10-digit US number, e.g. 805-555-0123.",
            code="phone",
        ) from None
    national = str(number.national_number)
    # Only the area code's first digit is checked: Invoca's own examples use 888-111-2222.
    if number.country_code != 1 or len(national) != 10 or national[0] in "01":
        raise forms.ValidationError(
            "This is not a valid US phone number. Type 10 digits: area code, exchange and "
            "line, e.g. 805-555-0123.",
            code="phone",
        )
    return f"{national[:3]}-{national[3:6]}-{national[6:]}"


REQUIRED_MESSAGES = {
    "advertiser": "Choose the advertiser.",
    "campaign": "Choose the campaign the pool belongs to.",
    "id_from_network": "Give the pool an id.",
    "name": "Give the ring pool a name.",
    "pool_type": "Choose a pool type.",
    "destination_type": "Choose a destination type.",
    "max_pool_size": "Give the largest number of tracking numbers, at least 1.",
}
