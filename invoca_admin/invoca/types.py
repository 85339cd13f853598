"""Typed, immutable views of Invoca's JSON.

Every class has ``from_api(data)`` which:

* ignores keys it does not know (Invoca adds fields without notice);
* keeps ``null`` as ``None``;
* parses timestamps (``"2023-10-19 03:34:42 -0700"`` or ISO 8601) into aware datetimes;
* coerces numeric ``id`` values to ``int`` and ``id_from_network`` to ``str``;
* coerces booleans and integers sent as strings (``"true"``, ``"3"``);
* keeps the original dict in ``raw`` (not compared, not shown in ``repr``).

A value that cannot be coerced (``"soon"`` for a timestamp, ``"maybe"`` for a
boolean) becomes ``None``; the original stays in ``raw``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Self

DestinationStatus = Literal["tracked", "ignored", "discovered"]

_INVOCA_TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"
_TRUE = frozenset({"true", "t", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "off"})
_INT_RE = re.compile(r"[+-]?\d+")


# --- coercion helpers -------------------------------------------------------------------------


def to_int(value: Any) -> int | None:
    """``3``, ``"3"``, ``3.0`` -> 3; anything else (``None``, ``""``, ``"x"``, bools) -> None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value.strip())
    return None


def to_id(value: Any) -> int | str | None:
    """An Invoca ``id``: an int when numeric, otherwise the value as given (as a string)."""
    if value is None:
        return None
    number = to_int(value)
    if number is not None:
        return number
    return str(value)


def to_str(value: Any) -> str | None:
    """``None`` stays ``None``; numbers become strings (``13`` -> ``"13"``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_bool(value: Any) -> bool | None:
    """``True``/``"true"``/``"1"``/``1`` -> True; ``False``/``"false"``/``"0"``/``0`` -> False."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def to_datetime(value: Any) -> datetime | None:
    """Parse Invoca's ``"2023-10-19 03:34:42 -0700"`` (or ISO 8601) into an aware datetime.

    A timestamp without an offset is taken to be UTC.
    """
    if value is None or isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(" UTC"):
            text = text[:-4] + " +0000"
        try:
            parsed = datetime.strptime(text, _INVOCA_TIME_FORMAT)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
    else:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _mapping(value: Any) -> dict | None:
    return dict(value) if isinstance(value, Mapping) else None


def _all_null(data: Mapping | None) -> bool:
    return not data or all(value is None for value in data.values())


# --- destinations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CampaignRef:
    """The ``advertiser_campaign`` nested in a destination."""

    id_from_network: str | None
    name: str | None
    status: str | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            id_from_network=to_str(data.get("id_from_network")),
            name=to_str(data.get("name")),
            status=to_str(data.get("status")),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class PoolRef:
    """The ``dynamic_number_pool`` (ring pool) nested in a destination."""

    id_from_network: str | None
    name: str | None
    pool_type: str | None
    destination_type: str | None
    lifetime_seconds: int | None
    max_pool_size: int | None
    preferred: bool | None
    is_first_preference: bool | None
    use_custom_data: bool | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            id_from_network=to_str(data.get("id_from_network")),
            name=to_str(data.get("name")),
            pool_type=to_str(data.get("pool_type")),
            destination_type=to_str(data.get("destination_type")),
            lifetime_seconds=to_int(data.get("lifetime_seconds")),
            max_pool_size=to_int(data.get("max_pool_size")),
            preferred=to_bool(data.get("preferred")),
            is_first_preference=to_bool(data.get("is_first_preference")),
            use_custom_data=to_bool(data.get("use_custom_data")),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class Destination:
    """A destination (customer phone number).

    ``advertiser_campaign`` / ``dynamic_number_pool`` are ``None`` when absent or
    when Invoca sends the object with every field ``null`` (an untracked destination).
    """

    id: int | str | None
    country_code: str | None
    phone_number: str | None
    primary_url: str | None
    requested_destination_name: str | None
    acknowledged_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    ignored_at: datetime | None
    notified_at: datetime | None
    advertiser_campaign: CampaignRef | None
    dynamic_number_pool: PoolRef | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def status(self) -> DestinationStatus:
        """``tracked`` (has a ring pool), else ``ignored`` (``ignored_at``), else ``discovered``."""
        if self.dynamic_number_pool is not None:
            return "tracked"
        if self.ignored_at is not None:
            return "ignored"
        return "discovered"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        campaign = _mapping(data.get("advertiser_campaign"))
        pool = _mapping(data.get("dynamic_number_pool"))
        return cls(
            id=to_id(data.get("id")),
            country_code=to_str(data.get("country_code")),
            phone_number=to_str(data.get("phone_number")),
            primary_url=to_str(data.get("primary_url")),
            requested_destination_name=to_str(data.get("requested_destination_name")),
            acknowledged_at=to_datetime(data.get("acknowledged_at")),
            created_at=to_datetime(data.get("created_at")),
            updated_at=to_datetime(data.get("updated_at")),
            ignored_at=to_datetime(data.get("ignored_at")),
            notified_at=to_datetime(data.get("notified_at")),
            advertiser_campaign=None if _all_null(campaign) else CampaignRef.from_api(campaign),
            dynamic_number_pool=None if _all_null(pool) else PoolRef.from_api(pool),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class DestinationPage:
    """One page of ``GET customer_phone_numbers.json``.

    ``start`` is the offset that was asked for; ``total`` is Invoca's ``recordsTotal``
    (``start + len(rows)`` if Invoca left it out). The server may send fewer rows than
    the ``limit`` asked for: page by ``len(rows)``, never by the limit.
    """

    rows: tuple[Destination, ...]
    total: int
    start: int

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | list, *, start: int = 0) -> Self:
        items = data if isinstance(data, list) else data.get("data") or []
        rows = tuple(Destination.from_api(item) for item in items if isinstance(item, Mapping))
        total = None if isinstance(data, list) else to_int(data.get("recordsTotal"))
        return cls(rows=rows, total=start + len(rows) if total is None else total, start=start)


# --- advertisers and campaigns ----------------------------------------------------------------


#: Keys that hold credentials (Invoca sends advertisers' OAuth refresh tokens): dropped from
#: ``raw`` at every depth, so a token never reaches the cache, a log or a page.
SECRET_KEYS = frozenset({"oauth_refresh_token", "oauth_token", "api_token", "password"})


def without_secrets(value: Any) -> Any:
    """``value`` with every credential key removed, however deeply nested."""
    if isinstance(value, Mapping):
        return {k: without_secrets(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list | tuple):
        return [without_secrets(item) for item in value]
    return value


def _mapping_tuple(value: Any) -> tuple[dict, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(without_secrets(item) for item in value if isinstance(item, Mapping))


@dataclass(frozen=True, slots=True)
class Advertiser:
    """An advertiser. ``users`` and ``sites`` are kept as given, less any credentials."""

    id: int | str | None
    id_from_network: str | None
    name: str | None
    approval_status: str | None
    object_url: str | None = None
    web_integration_phone_number: str | None = None
    default_creative_id_from_network: str | None = None
    sites: tuple[dict, ...] = ()
    users: tuple[dict, ...] = ()
    custom_data: dict | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            id=to_id(data.get("id")),
            id_from_network=to_str(data.get("id_from_network")),
            name=to_str(data.get("name")),
            approval_status=to_str(data.get("approval_status")),
            object_url=to_str(data.get("object_url")),
            web_integration_phone_number=to_str(data.get("web_integration_phone_number")),
            default_creative_id_from_network=to_str(data.get("default_creative_id_from_network")),
            sites=_mapping_tuple(data.get("sites")),
            users=_mapping_tuple(data.get("users")),
            custom_data=_mapping(data.get("custom_data")),
            raw=without_secrets(data),
        )


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int | str | None
    id_from_network: str | None
    name: str | None
    status: str | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            id=to_id(data.get("id")),
            id_from_network=to_str(data.get("id_from_network")),
            name=to_str(data.get("name")),
            status=to_str(data.get("status")),
            raw=dict(data),
        )


# --- ring pools -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkedDestination:
    """A destination linked to a ring pool: one of its ``customer_phone_numbers`` or its
    ``default_customer_phone_number``.

    Invoca documents ``{"destination_phone_number": "8005551216", "js_tag":
    {"obfuscated_tag_id": "0054811245"}}``: digits, no id. Match it to a cached
    destination by :attr:`digits`.
    """

    phone_number: str | None
    obfuscated_tag_id: str | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def digits(self) -> str:
        """The number's ten digits (a leading country code 1 dropped), "" when none."""
        return national_digits(self.phone_number)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        js_tag = _mapping(data.get("js_tag")) or {}
        tag_id = js_tag.get("obfuscated_tag_id", data.get("obfuscated_tag_id"))
        number = data.get("destination_phone_number", data.get("phone_number"))
        return cls(
            phone_number=to_str(number),
            obfuscated_tag_id=to_str(tag_id),
            raw=dict(data),
        )


def national_digits(value: Any) -> str:
    """``"+1 (805) 555-0100"`` -> ``"8055550100"``: the digits, less a leading 1 of 11."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _linked(value: Any) -> LinkedDestination | None:
    data = _mapping(value)
    return None if _all_null(data) else LinkedDestination.from_api(data)


def is_local_center(center: Any) -> bool:
    """True when ``center`` (a ``local_center`` object) holds at least one value."""
    if not isinstance(center, Mapping):
        return False
    return any(value not in (None, "") for value in center.values())


def local_preferences(value: Any) -> dict | None:
    """``local_number_preferences`` with today's key names.

    ``restrict_search_to_state`` was called ``restrict_to_state`` before December
    2023; a long-lived network may still send the old name, so either is read.
    """
    prefs = _mapping(value)
    if prefs is None:
        return None
    if "restrict_to_state" in prefs:
        old = prefs.pop("restrict_to_state")
        prefs.setdefault("restrict_search_to_state", old)
    return prefs


def _str_tuple(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):  # tolerate "805, 212"
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list | tuple):
        return None
    return tuple(str(item) for item in value if item is not None)


@dataclass(frozen=True, slots=True)
class RingPool:
    """A ring pool (dynamic number pool). ``params`` holds ``param1`` … ``param10`` in order."""

    id: int | str | None
    id_from_network: str | None
    name: str | None
    object_url: str | None
    pool_type: str | None
    destination_type: str | None
    destination_url: str | None
    lifetime_seconds: int | None
    max_pool_size: int | None
    preferred: bool | None
    is_first_preference: bool | None
    fill_immediately: bool | None
    allow_overflow: bool | None
    params: tuple[str | None, ...]
    test_click_url: str | None
    sample_api_url: str | None
    tracking_url: str | None
    api_key: str | None
    local_center: dict | None
    local_number_preferences: dict | None
    tn_prefix_whitelist: tuple[str, ...] | None
    customer_phone_numbers: tuple[LinkedDestination, ...]
    default_customer_phone_number: LinkedDestination | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_local(self) -> bool:
        """A Local RingPool: at least one centre value is non-empty.

        Invoca's responses carry ``local_center`` with all four keys, the unused ones
        empty, so the object being there says nothing; a value in it does.
        """
        return is_local_center(self.local_center)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        linked = data.get("customer_phone_numbers") or []
        return cls(
            id=to_id(data.get("id")),
            id_from_network=to_str(data.get("id_from_network")),
            name=to_str(data.get("name")),
            object_url=to_str(data.get("object_url")),
            pool_type=to_str(data.get("pool_type")),
            destination_type=to_str(data.get("destination_type")),
            destination_url=to_str(data.get("destination_url")),
            lifetime_seconds=to_int(data.get("lifetime_seconds")),
            max_pool_size=to_int(data.get("max_pool_size")),
            preferred=to_bool(data.get("preferred")),
            is_first_preference=to_bool(data.get("is_first_preference")),
            fill_immediately=to_bool(data.get("fill_immediately")),
            allow_overflow=to_bool(data.get("allow_overflow")),
            params=tuple(to_str(data.get(f"param{n}")) for n in range(1, 11)),
            test_click_url=to_str(data.get("test_click_url")),
            sample_api_url=to_str(data.get("sample_api_url")),
            tracking_url=to_str(data.get("tracking_url")),
            api_key=to_str(data.get("api_key")),
            local_center=_mapping(data.get("local_center")),
            local_number_preferences=local_preferences(data.get("local_number_preferences")),
            tn_prefix_whitelist=_str_tuple(data.get("tn_prefix_whitelist")),
            customer_phone_numbers=tuple(
                LinkedDestination.from_api(item) for item in linked if isinstance(item, Mapping)
            ),
            default_customer_phone_number=_linked(data.get("default_customer_phone_number")),
            raw=dict(data),
        )
