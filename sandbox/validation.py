"""Validation of ring pool payloads, mirroring what Invoca accepts and rejects.

Invoca accepts JSON types and their stringified forms (``"true"``, ``"3"``).
Per-field problems are collected and answered together as a 403 map of
field -> messages; problems with ``local_center`` are answered with a single
``RecordInvalid`` message, as in Invoca's documented example.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError

POOL_TYPES = (
    "Search",
    "SearchKeyword",
    "Custom",
    "CustomWithSearchTracking",
    "ReferralDomain",
    "ReferralDomainWithSearchTracking",
)
DESTINATION_TYPES = ("Advertiser", "API")
FALLBACK_STRATEGIES = ("UseTollFree", "Wait")
PARAM_FIELDS = tuple(f"param{i}" for i in range(1, 11))
BOOL_FIELDS = ("preferred", "is_first_preference", "fill_immediately", "allow_overflow")
INT_FIELDS = {"lifetime_seconds": 0, "max_pool_size": 1}
INT_MAX = 2**31 - 1  # Invoca's integer columns
STRING_FIELDS = (
    "destination_url",
    *PARAM_FIELDS,
    "test_click_url",
    "sample_api_url",
    "tracking_url",
    "api_key",
)
CENTER_KEYS = ("tn_prefix", "zipcode", "latitude", "longitude")
#: Before December 2023 ``restrict_search_to_state`` was called ``restrict_to_state``.
OLD_PREFERENCE_NAMES = {"restrict_to_state": "restrict_search_to_state"}
NAME_MAX = 255
STRING_MAX = 2048

DEFAULT_LOCAL_PREFERENCES = {
    "search_radius_miles": 240,
    "restrict_search_to_state": True,
    "allocation_fallback_strategy": "UseTollFree",
}

BLANK = "can't be blank"
NOT_IN_LIST = "is not included in the list"
NOT_A_NUMBER = "is not a number"
NOT_AN_INTEGER = "must be an integer"
INVALID = "is invalid"
NOT_BOOLEAN = "must be true or false"

_TRUE = {"true", "t", "1", "yes"}
_FALSE = {"false", "f", "0", "no"}
_INT_RE = re.compile(r"^[+-]?\d+$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_PHONE_CHARS_RE = re.compile(r"^[\d\s+().\-\u2010-\u2015]+$")
_NPA_RE = re.compile(r"^[2-9]\d\d$")
_ZIP_RE = re.compile(r"^\d{5}$")

MISSING: Any = object()


class FieldError(ValueError):
    """A single per-field message."""


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise FieldError(NOT_BOOLEAN)


def parse_int(value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise FieldError(NOT_A_NUMBER)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError(NOT_A_NUMBER)
        if not value.is_integer():
            raise FieldError(NOT_AN_INTEGER)
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if _INT_RE.match(text):
            number = int(text)
        elif _NUMBER_RE.match(text):
            raise FieldError(NOT_AN_INTEGER)
        else:
            raise FieldError(NOT_A_NUMBER)
    else:
        raise FieldError(NOT_A_NUMBER)
    if minimum is not None and number < minimum:
        raise FieldError(f"must be greater than or equal to {minimum}")
    if number > INT_MAX:
        raise FieldError(f"must be less than or equal to {INT_MAX}")
    return number


def parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise FieldError(NOT_A_NUMBER)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _NUMBER_RE.match(value.strip()):
        number = float(value.strip())
    else:
        raise FieldError(NOT_A_NUMBER)
    if not math.isfinite(number):
        raise FieldError(NOT_A_NUMBER)
    return number


def parse_string(value: Any, max_length: int = STRING_MAX) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float | str):
        text = str(value)
    else:
        raise FieldError(INVALID)
    if len(text) > max_length:
        raise FieldError(f"is too long (maximum is {max_length} characters)")
    return text


def parse_phone_number(value: Any) -> str:
    """Return the 10 NANP digits of ``value`` or raise ``FieldError``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(INVALID)
    text = str(value).strip()
    if not text or not _PHONE_CHARS_RE.match(text):
        raise FieldError(INVALID)
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    # Invoca's own examples use 888-111-2222: only the area code's first digit is checked.
    if len(digits) != 10 or digits[0] in "01":
        raise FieldError(INVALID)
    return digits


def parse_npa(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(INVALID)
    text = str(value).strip()
    if not _NPA_RE.match(text):
        raise FieldError(INVALID)
    return text


def clean_local_center(value: Any) -> dict[str, Any]:
    """Validate ``local_center``; problems are single-message 403s.

    Only the four documented keys are allowed; unused ones may be sent empty, as
    Invoca's own example does (``"tn_prefix": ""``). Every value given is checked
    and kept; latitude and longitude go together.
    """
    if not isinstance(value, dict):
        raise ApiError.invalid("Local Center must be a hash.")
    if any(key not in CENTER_KEYS for key in value):
        raise ApiError.invalid("Invalid Key in Local Center.")
    given = {key for key, item in value.items() if item not in (None, "")}
    if not given:
        raise ApiError.invalid(
            "Local Center requires one of tn_prefix, zipcode, or latitude and longitude."
        )
    center: dict[str, Any] = {}
    if "tn_prefix" in given:
        try:
            center["tn_prefix"] = parse_npa(value["tn_prefix"])
        except FieldError:
            raise ApiError.invalid("Invalid tn_prefix in Local Center.") from None
    if "zipcode" in given:
        zipcode = value["zipcode"]
        if isinstance(zipcode, bool) or not isinstance(zipcode, str | int):
            raise ApiError.invalid("Invalid zipcode in Local Center.")
        text = f"{zipcode:05d}" if isinstance(zipcode, int) else zipcode.strip()
        if not _ZIP_RE.match(text) or text == "00000":
            raise ApiError.invalid("Invalid zipcode in Local Center.")
        center["zipcode"] = text
    coordinates = given & {"latitude", "longitude"}
    if coordinates and coordinates != {"latitude", "longitude"}:
        raise ApiError.invalid("Latitude and longitude are required together in Local Center.")
    for key, limit in (("latitude", 90.0), ("longitude", 180.0)):
        if key not in coordinates:
            continue
        try:
            number = parse_float(value[key])
        except FieldError:
            raise ApiError.invalid(f"Invalid {key} in Local Center.") from None
        if not -limit <= number <= limit:
            raise ApiError.invalid(f"Invalid {key} in Local Center.")
        center[key] = value[key] if isinstance(value[key], int | float) else number
    return center


def clean_local_preferences(value: Any, errors: dict[str, list[str]]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.setdefault("local_number_preferences", []).append(INVALID)
        return None
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        key = OLD_PREFERENCE_NAMES.get(key, key)
        try:
            if key == "search_radius_miles":
                cleaned[key] = parse_int(item, minimum=0)
            elif key == "restrict_search_to_state":
                cleaned[key] = parse_bool(item)
            elif key == "allocation_fallback_strategy":
                if item not in FALLBACK_STRATEGIES:
                    raise FieldError(NOT_IN_LIST)
                cleaned[key] = item
            else:
                errors.setdefault("local_number_preferences", []).append(
                    f"has an unknown key: {str(key)[:40]}"
                )
        except FieldError as exc:
            errors.setdefault(key, []).append(str(exc))
    return cleaned


def clean_whitelist(value: Any, errors: dict[str, list[str]]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        errors.setdefault("tn_prefix_whitelist", []).append(INVALID)
        return None
    try:
        return [parse_npa(item) for item in value]
    except FieldError:
        errors.setdefault("tn_prefix_whitelist", []).append(
            "must be a list of 3-digit area codes (NPAs)"
        )
        return None


@dataclass
class CleanedPool:
    """The validated parts of a POST/PUT body."""

    attrs: dict[str, Any] = field(default_factory=dict)
    id_from_network: str | None = None
    local_center: Any = MISSING
    local_number_preferences: dict[str, Any] | None = None
    tn_prefix_whitelist: list[str] | None = None
    phone_digits: str | None = None
    obfuscated_tag_id: str | None = None


def clean_ring_pool(
    payload: dict[str, Any],
    *,
    creating: bool,
    current_attrs: dict[str, Any] | None = None,
    is_local: bool = False,
    ids_generated: bool = False,
) -> CleanedPool:
    """Validate a ring pool body; raise ``ApiError`` (403) on the first kind of problem.

    Unknown keys are ignored, as Invoca does. Booleans and numbers may come as
    strings (``"true"``, ``"3"``), as in Invoca's examples. ``pool_type`` and
    ``destination_type`` are optional (the 2022 docs no longer require them);
    ``id_from_network`` is required on create unless ``ids_generated``.
    """
    cleaned = CleanedPool()
    errors: dict[str, list[str]] = {}

    if "local_center" in payload:
        raw = payload["local_center"]
        cleaned.local_center = None if raw is None else clean_local_center(raw)

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    # id_from_network
    if "id_from_network" in payload or creating:
        raw = payload.get("id_from_network")
        text = "" if raw is None or isinstance(raw, dict | list | bool) else str(raw).strip()
        if isinstance(raw, dict | list | bool):
            add("id_from_network", INVALID)
        elif not text:
            if not (creating and ids_generated):
                add("id_from_network", BLANK)
        elif any(ch in text for ch in "/?#") or len(text) > NAME_MAX:
            add("id_from_network", INVALID)
        else:
            cleaned.id_from_network = text

    # name
    if "name" in payload or creating:
        try:
            name = parse_string(payload.get("name"), NAME_MAX)
            if name is None or not name.strip():
                add("name", BLANK)
            else:
                cleaned.attrs["name"] = name
        except FieldError as exc:
            add("name", str(exc))

    for key, choices in (("pool_type", POOL_TYPES), ("destination_type", DESTINATION_TYPES)):
        if key in payload:
            raw = payload.get(key)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue  # optional: left as it was (or Invoca's default on create)
            if raw not in choices:
                add(key, NOT_IN_LIST)
            else:
                cleaned.attrs[key] = raw

    for key, minimum in INT_FIELDS.items():
        if payload.get(key) is not None:
            try:
                cleaned.attrs[key] = parse_int(payload[key], minimum=minimum)
            except FieldError as exc:
                add(key, str(exc))

    for key in BOOL_FIELDS:
        if payload.get(key) is not None:
            try:
                cleaned.attrs[key] = parse_bool(payload[key])
            except FieldError as exc:
                add(key, str(exc))

    for key in STRING_FIELDS:
        if key in payload:
            try:
                max_length = NAME_MAX if key.startswith("param") else STRING_MAX
                cleaned.attrs[key] = parse_string(payload[key], max_length)
            except FieldError as exc:
                add(key, str(exc))

    if (
        not creating
        and current_attrs is not None
        and "allow_overflow" in cleaned.attrs
        and cleaned.attrs["allow_overflow"] != current_attrs.get("allow_overflow")
    ):
        add("allow_overflow", "can't be changed after creation")

    raw_phone = payload.get("destination_phone_number")
    if raw_phone not in (None, ""):
        try:
            cleaned.phone_digits = parse_phone_number(raw_phone)
        except FieldError as exc:
            add("destination_phone_number", str(exc))
    if payload.get("obfuscated_tag_id") not in (None, ""):
        try:
            cleaned.obfuscated_tag_id = parse_string(payload["obfuscated_tag_id"], NAME_MAX)
        except FieldError as exc:
            add("obfuscated_tag_id", str(exc))

    cleaned.local_number_preferences = clean_local_preferences(
        payload.get("local_number_preferences"), errors
    )
    cleaned.tn_prefix_whitelist = clean_whitelist(payload.get("tn_prefix_whitelist"), errors)
    will_be_local = (
        cleaned.local_center is not None
        if cleaned.local_center is not MISSING
        else is_local and not creating
    )
    if not will_be_local and (
        cleaned.local_number_preferences is not None or cleaned.tn_prefix_whitelist is not None
    ):
        add("local_center", BLANK)

    if errors:
        raise ApiError.fields(errors)
    return cleaned
