"""Deterministic seeded data and the sandbox's in-memory state.

``SandboxState`` holds advertisers, campaigns, ring pools and destinations,
the fault-injection switches and a bounded request log.  One re-entrant lock
guards every read and write; tests may change data directly inside
``with state.mutate(): ...`` (which also drops the cached list orders).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import ApiError
from .validation import (
    CENTER_KEYS,
    DEFAULT_LOCAL_PREFERENCES,
    MISSING,
    PARAM_FIELDS,
    POOL_TYPES,
    CleanedPool,
    clean_ring_pool,
)

TZ = timezone(timedelta(hours=-7))
TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"
# Seeded timestamps are spread over the two years before this fixed instant,
# so that the same seed always gives the same data.
SEED_NOW = int(datetime(2026, 11, 1, 9, 0, 0, tzinfo=TZ).timestamp())
TWO_YEARS = 2 * 365 * 86400

DEFAULT_TOKEN = "sandbox-token"
DEFAULT_NETWORK_ID = "1234"
STATUSES = ("ignored", "tracked", "discovered")
SORTABLE_FIELDS = (
    "id",
    "country_code",
    "phone_number",
    "primary_url",
    "requested_destination_name",
    "acknowledged_at",
    "created_at",
    "updated_at",
    "ignored_at",
    "notified_at",
)
REQUEST_LOG_MAX = 2000
LIST_CACHE_MAX = 32
ERROR_HANDLE_BASE = 1228118400

# Hostile values: the dashboard must escape all of these.
HOSTILE_ADVERTISER = '<script>alert("x")</script> & "Sons" Plumbing'
HOSTILE_CAMPAIGN = "O'Brien's <b>bold</b> campaign & \"friends\""
HOSTILE_POOL = "Pool <img src=x onerror=alert('rp')> & \"Co\" </td></tr>"
UNICODE_ADVERTISER = "Café Ünïcode — 東京 Relocation"
UNICODE_CAMPAIGN = "Campaña Señor Niño — 大阪 🚀"
UNICODE_POOL = "Zürich Ünïcode Pool — 東京 ✓"
LONG_ADVERTISER = (
    "Brightside Dental Group of Greater Northern California, Southern Oregon and the "
    "Entire Pacific Northwest Region (Franchise Holdings), LLC"
)
LONG_CAMPAIGN = (
    "Always-On Paid Search for Emergency Water Heater Repair, Drain Cleaning and Sewer "
    "Line Replacement — Greater Metro Area, Weekends Included"
)
LONG_POOL = (
    "Google Ads Brand + Non-Brand Exact Match Keywords, Desktop and Mobile, All US "
    "Regions Except Alaska and Hawaii, Rotating Tracking Numbers"
)
HOSTILE_DESTINATION_NAME = "<img src=x onerror=alert(1)> \"quoted\" & 'single'"
HOSTILE_URLS = (
    "javascript:alert(document.cookie)",
    'https://example.com/landing?utm_source=<script>&q="x"&name=O\'Brien',
)

ADVERTISER_SPECS = (
    # (id_from_network, name, approval_status, domain)
    ("1", "Acme Home Services", "Approved", "acmehomeservices.example"),
    ("2", HOSTILE_ADVERTISER, "Approved", "sons-plumbing.example"),
    ("3", UNICODE_ADVERTISER, "Approved", "cafe-unicode.example"),
    ("4", LONG_ADVERTISER, "Approved", "brightsidedental.example"),
    ("5", "Summit Auto Insurance", "Suspended", "summitauto.example"),
    ("6", "Northwind Travel", "Declined", "northwindtravel.example"),
    ("7", "Pioneer Solar Co.", "Archived", "pioneersolar.example"),
    ("lakeside-legal", "Lakeside Legal Partners", "Applied", "lakesidelegal.example"),
)
# The first campaign of these advertisers gets a hostile name.
CAMPAIGN_NAME_OVERRIDES = {"1": HOSTILE_CAMPAIGN, "3": UNICODE_CAMPAIGN, "4": LONG_CAMPAIGN}
POOL_NAME_OVERRIDES = (HOSTILE_POOL, UNICODE_POOL, LONG_POOL)

NPAS = tuple(
    """
201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 224 225 228 229 231 234
239 240 248 251 252 253 254 256 260 262 267 269 270 272 276 281 301 302 303 304 305 307 308
309 310 312 313 314 315 316 317 318 319 320 321 323 325 330 331 334 336 337 339 346 347 351
352 360 361 385 386 401 402 404 405 406 407 408 409 410 412 413 414 415 417 419 423 424 425
430 432 434 435 440 443 458 469 470 475 478 479 480 484 501 502 503 504 505 507 508 509 510
512 513 515 516 517 518 520 530 540 541 551 559 561 562 563 567 570 571 573 574 575 580 585
586 601 602 603 605 606 607 608 609 610 612 614 615 616 617 618 619 620 623 626 630 631 636
641 646 650 651 657 660 661 662 678 682 701 702 703 704 706 707 708 712 713 714 715 716 717
718 719 720 724 725 727 731 732 734 737 740 747 754 757 760 762 763 765 769 770 772 773 774
775 779 781 785 786 801 802 803 804 805 806 808 810 812 813 814 815 816 817 818 828 830 831
832 843 845 847 848 850 856 857 858 859 860 862 863 864 865 870 872 878 901 903 904 906 907
908 909 910 912 913 914 915 916 917 918 919 920 925 928 929 931 936 937 940 941 947 949 951
952 954 956 970 971 972 973 978 979 980 984 985 989
""".split()
)
CITIES = (
    "New York",
    "Chicago",
    "Los Angeles",
    "Houston",
    "Phoenix",
    "Philadelphia",
    "San Antonio",
    "San Diego",
    "Dallas",
    "Austin",
    "Denver",
    "Seattle",
    "Boston",
    "Atlanta",
    "Miami",
    "Portland",
    "Santa Barbara",
    "Newark",
)
CAMPAIGN_THEMES = (
    "Spring Promo",
    "Brand Search",
    "Display Retargeting",
    "Call Extensions",
    "Local SEO",
    "Summer Sale",
    "Always-On Paid Search",
    "TV Spot Q3",
    "Referral Partners",
    "Holiday Offers",
)
POOL_KINDS = ("Paid Search", "Organic", "Display", "Email", "Affiliate", "Social", "Direct Mail")
LINE_KINDS = ("Main line", "Sales", "Support", "Booking", "Billing", "After hours", "Front desk")
URL_PATHS = ("", "contact", "locations", "quote", "book-now", "landing/spring", "services")
ZIPCODES = ("10001", "60601", "94105", "93101", "78701", "98101", "30303", "02134", "80202")
COORDINATES = ((40.7128, -74.006), (34.0522, -118.2437), (41.8781, -87.6298), (47.6062, -122.3321))
LIFETIMES = (300, 600, 900, 1800, 3600)
DIGITS_RE = re.compile(r"\D")


def format_time(ts: int | None) -> str | None:
    """Invoca's timestamp format, e.g. ``2023-10-19 03:34:42 -0700``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, TZ).strftime(TIME_FORMAT)


def format_phone(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


@dataclass(eq=False)
class Advertiser:
    id: int
    id_from_network: str
    name: str
    approval_status: str
    domain: str
    created_at: int
    campaigns: dict[str, Campaign] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The shape of Invoca's advertisers example, credentials included (as Invoca
        sends them: the dashboard must drop them)."""
        return {
            "id": self.id,
            "id_from_network": self.id_from_network,
            "web_integration_phone_number": None,
            "approval_status": self.approval_status,
            "object_url": f"https://sandbox.invoca.net/as/{self.id}/dashboards/ui",
            "sites": [{"id_from_network": f"site-{self.id}", "name": self.domain}],
            "name": self.name,
            "users": [
                {
                    "id_from_network": f"user-{self.id}",
                    "email_settings": [
                        {"email_address": f"admin@{self.domain}", "use_for_notifications": True}
                    ],
                    "first_name": "Pat",
                    "last_name": "Admin",
                    "role": "Manager",
                    "oauth_refresh_token": f"sandbox-user-refresh-{self.id}",
                }
            ],
            "default_creative_id_from_network": None,
            "oauth_refresh_token": f"sandbox-refresh-{self.id}",
            "custom_data": {},
        }


@dataclass(eq=False)
class Campaign:
    id: int
    id_from_network: str
    name: str
    status: str
    advertiser: Advertiser
    created_at: int
    ring_pools: dict[str, RingPool] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "id_from_network": self.id_from_network,
            "name": self.name,
            "status": self.status,
            "advertiser_id_from_network": self.advertiser.id_from_network,
            "timezone": "Pacific Time (US & Canada)",
            "created_at": format_time(self.created_at),
        }

    def summary(self) -> dict[str, Any]:
        return {"id_from_network": self.id_from_network, "name": self.name, "status": self.status}


@dataclass(eq=False)
class RingPool:
    id: int
    id_from_network: str
    campaign: Campaign
    attrs: dict[str, Any]
    created_at: int
    updated_at: int
    local_center: dict[str, Any] | None = None
    local_number_preferences: dict[str, Any] | None = None
    tn_prefix_whitelist: list[str] | None = None
    destinations: dict[int, Destination] = field(default_factory=dict)
    default_destination_id: int | None = None

    @property
    def name(self) -> str:
        return self.attrs["name"]

    def summary(self) -> dict[str, Any]:
        """The ``dynamic_number_pool`` object of a destination."""
        attrs = self.attrs
        return {
            "id_from_network": self.id_from_network,
            "name": attrs["name"],
            "pool_type": attrs["pool_type"],
            "destination_type": attrs["destination_type"],
            "lifetime_seconds": attrs["lifetime_seconds"],
            "max_pool_size": attrs["max_pool_size"],
            "preferred": attrs["preferred"],
            "is_first_preference": attrs["is_first_preference"],
            "use_custom_data": attrs["pool_type"] in ("Custom", "CustomWithSearchTracking"),
        }

    def to_json(self) -> dict[str, Any]:
        linked = [self.destinations[key].link_json() for key in sorted(self.destinations)]
        default = None
        if self.default_destination_id in self.destinations:
            default = self.destinations[self.default_destination_id].link_json()
        data: dict[str, Any] = {
            "id": self.id,
            "id_from_network": self.id_from_network,
            "name": self.attrs["name"],
            "object_url": f"https://sandbox.invoca.net/a/ring_pools/{self.id}",
        }
        data.update((key, value) for key, value in self.attrs.items() if key != "name")
        data["customer_phone_numbers"] = linked
        data["default_customer_phone_number"] = default
        if self.local_center is not None:
            # As Invoca answers: all four centre keys, the unused ones empty.
            data["local_center"] = {key: "" for key in CENTER_KEYS} | dict(self.local_center)
            data["local_number_preferences"] = dict(self.local_number_preferences or {})
            data["tn_prefix_whitelist"] = list(self.tn_prefix_whitelist or [])
        return data


EMPTY_POOL = {
    key: None
    for key in (
        "id_from_network",
        "name",
        "pool_type",
        "destination_type",
        "lifetime_seconds",
        "max_pool_size",
        "preferred",
        "is_first_preference",
        "use_custom_data",
    )
}


@dataclass(eq=False, slots=True)
class Destination:
    id: int
    digits: str
    phone_number: str
    primary_url: str
    requested_destination_name: str
    acknowledged_at: int | None
    created_at: int
    updated_at: int
    ignored_at: int | None
    notified_at: int | None
    campaign: Campaign
    pool: RingPool | None
    obfuscated_tag_id: str
    country_code: str = "1"

    @property
    def status(self) -> str:
        if self.pool is not None:
            return "tracked"
        if self.ignored_at is not None:
            return "ignored"
        return "discovered"

    def link_json(self) -> dict[str, Any]:
        """One of a ring pool's ``customer_phone_numbers``, as Invoca documents it."""
        return {
            "destination_phone_number": self.digits,
            "js_tag": {"obfuscated_tag_id": self.obfuscated_tag_id},
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "country_code": self.country_code,
            "phone_number": self.phone_number,
            "primary_url": self.primary_url,
            "requested_destination_name": self.requested_destination_name,
            "acknowledged_at": format_time(self.acknowledged_at),
            "created_at": format_time(self.created_at),
            "updated_at": format_time(self.updated_at),
            "advertiser_campaign": self.campaign.summary(),
            "dynamic_number_pool": self.pool.summary() if self.pool else dict(EMPTY_POOL),
            "ignored_at": format_time(self.ignored_at),
            "notified_at": format_time(self.notified_at),
        }


@dataclass
class FaultSettings:
    fail_rate: float = 0.0
    latency_ms: int = 0
    outage: bool = False
    fail_after: int | None = None
    timeout_paths: str | list[str] | None = None
    hang_seconds: float = 30.0


FAULT_KEYS = tuple(FaultSettings.__dataclass_fields__)


class SandboxState:
    """The sandbox's data and switches.  Thread-safe through ``self.lock``.

    Fault attributes (plain attributes, settable directly by tests):
    ``fail_rate`` (0..1 share of API requests answered 500), ``latency_ms``
    (delay added to every API request), ``outage`` (close every API
    connection without a reply), ``fail_after`` (None, or how many more API
    requests succeed before every later one answers 500; counts down),
    ``timeout_paths`` (None, a substring or a list of substrings: matching
    request paths sleep ``hang_seconds`` before answering).
    """

    def __init__(
        self,
        *,
        destinations: int = 300,
        seed: int = 1,
        token: str = DEFAULT_TOKEN,
        network_id: str = DEFAULT_NETWORK_ID,
        max_page_size: int = 500,
        fail_rate: float = 0.0,
        latency_ms: int = 0,
        outage: bool = False,
        fail_after: int | None = None,
        timeout_paths: str | list[str] | None = None,
        hang_seconds: float = 30.0,
        generate_ids: bool = False,
    ) -> None:
        if destinations < 0:
            raise ValueError("destinations must be >= 0")
        if max_page_size < 1:
            raise ValueError("max_page_size must be >= 1")
        if not token:
            raise ValueError("token must not be empty")
        self.lock = threading.RLock()
        self.seed = seed
        self.token = token
        self.network_id = str(network_id)
        self.max_page_size = max_page_size
        self.fail_rate = fail_rate
        self.latency_ms = latency_ms
        self.outage = outage
        self.fail_after = fail_after
        self.timeout_paths = timeout_paths
        self.hang_seconds = hang_seconds
        # Networks that generate ring pool ids accept a POST without id_from_network.
        self.generate_ids = generate_ids
        self.request_log: list[tuple[str, str, dict[str, str]]] = []
        # Test hook: called as ``after_list_page(state, n)`` once the n-th destination
        # list page has been answered (1-based; set ``list_pages_answered = 0`` to count
        # from now), e.g. to add or delete rows in the middle of a client's paging. The
        # state's lock is held.
        self.after_list_page: Callable[[SandboxState, int], None] | None = None
        self.list_pages_answered = 0
        self.advertisers: dict[str, Advertiser] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.ring_pools: dict[str, RingPool] = {}
        self.destinations: dict[int, Destination] = {}
        self.by_digits: dict[str, Destination] = {}
        self._list_cache: OrderedDict[tuple[Any, ...], list[Destination]] = OrderedDict()
        self._fault_rng = random.Random(seed)
        self._runtime_rng = random.Random(seed + 1)
        self._error_count = 0
        self._next_ids = {"advertiser": 40001, "campaign": 70001, "pool": 900001, "dest": 1000001}
        _generate(self, destinations, random.Random(seed))

    # -- bookkeeping -------------------------------------------------------

    def next_id(self, kind: str) -> int:
        value = self._next_ids[kind]
        self._next_ids[kind] = value + 1
        return value

    def invalidate(self) -> None:
        """Forget cached list orders; call after changing data directly."""
        with self.lock:
            self._list_cache.clear()

    @contextmanager
    def mutate(self) -> Iterator[SandboxState]:
        """Hold the lock while changing data directly; invalidates caches on exit."""
        with self.lock:
            try:
                yield self
            finally:
                self._list_cache.clear()

    def log_request(self, method: str, path: str, query: dict[str, str]) -> None:
        with self.lock:
            self.request_log.append((method, path, query))
            if len(self.request_log) > REQUEST_LOG_MAX:
                del self.request_log[: len(self.request_log) - REQUEST_LOG_MAX // 2]

    # -- faults ------------------------------------------------------------

    def faults(self) -> dict[str, Any]:
        with self.lock:
            return {key: getattr(self, key) for key in FAULT_KEYS}

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Validate and apply fault settings; raise ``ValueError`` naming a bad key."""
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in FAULT_KEYS:
                raise ValueError(f"{key}: unknown fault setting")
            if key == "fail_rate":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError("fail_rate: must be a number between 0 and 1")
                if not 0 <= value <= 1:
                    raise ValueError("fail_rate: must be a number between 0 and 1")
                clean[key] = float(value)
            elif key in ("latency_ms", "hang_seconds"):
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"{key}: must be a number >= 0")
                clean[key] = value
            elif key == "outage":
                if not isinstance(value, bool):
                    raise ValueError("outage: must be true or false")
                clean[key] = value
            elif key == "fail_after":
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int) or value < 0
                ):
                    raise ValueError("fail_after: must be null or an integer >= 0")
                clean[key] = value
            elif key == "timeout_paths":
                if value is not None and not (
                    isinstance(value, str)
                    or (isinstance(value, list) and all(isinstance(v, str) for v in value))
                ):
                    raise ValueError("timeout_paths: must be null, a string or a list of strings")
                clean[key] = value
        with self.lock:
            for key, value in clean.items():
                setattr(self, key, value)
        return self.faults()

    def reset_faults(self) -> None:
        with self.lock:
            for key, value in FaultSettings().__dict__.items():
                setattr(self, key, value)

    def delay_for(self, path: str) -> float:
        """Seconds to wait before answering a request for ``path``."""
        delay = max(0.0, float(self.latency_ms or 0)) / 1000.0
        patterns = self.timeout_paths
        if patterns:
            if isinstance(patterns, str):
                patterns = [patterns]
            if any(pattern and pattern in path for pattern in patterns):
                delay += max(0.0, float(self.hang_seconds or 0))
        return delay

    def take_failure(self) -> int | None:
        """Decide whether this API request fails; return an error handle if so."""
        with self.lock:
            failed = False
            if self.fail_rate and self._fault_rng.random() < self.fail_rate:
                failed = True
            elif self.fail_after is not None:
                if self.fail_after <= 0:
                    failed = True
                else:
                    self.fail_after -= 1
            return self.new_error_handle() if failed else None

    def new_error_handle(self) -> int:
        with self.lock:
            self._error_count += 1
            return ERROR_HANDLE_BASE + self._error_count * 7919

    # -- destinations ------------------------------------------------------

    def destination_count(self) -> int:
        return len(self.destinations)

    def list_destinations(
        self,
        *,
        status: str | None = None,
        query: str | None = None,
        sort_by: str = "id",
        sort_dir: str = "asc",
        start: int = 0,
        limit: int = 100,
    ) -> dict[str, Any]:
        """The list answer; parameters must already be valid (see ``server``)."""
        limit = max(0, min(limit, self.max_page_size))
        with self.lock:
            rows = self._ordered(status, _query_digits(query), sort_by, sort_dir)
            page = rows[start : start + limit]
            answer = {
                "data": [dest.to_json() for dest in page],
                "requestId": None,
                "recordsTotal": len(rows),
            }
            self.list_pages_answered += 1
            if self.after_list_page is not None:
                self.after_list_page(self, self.list_pages_answered)
            return answer

    def _ordered(
        self, status: str | None, digits: str | None, sort_by: str, sort_dir: str
    ) -> list[Destination]:
        key = (status, digits, sort_by, sort_dir)
        cached = self._list_cache.get(key)
        if cached is not None:
            self._list_cache.move_to_end(key)
            return cached
        rows: list[Destination] = list(self.destinations.values())
        if status:
            rows = [dest for dest in rows if dest.status == status]
        if digits is not None:
            rows = [dest for dest in rows if digits in dest.digits] if digits else []
        if sort_by == "id":
            rows.sort(key=_id_key, reverse=sort_dir == "desc")
        else:
            rows.sort(key=_sort_key(sort_by), reverse=sort_dir == "desc")
        self._list_cache[key] = rows
        if len(self._list_cache) > LIST_CACHE_MAX:
            self._list_cache.popitem(last=False)
        return rows

    def get_destination(self, dest_id: int) -> dict[str, Any]:
        with self.lock:
            dest = self.destinations.get(dest_id)
            if dest is None:
                raise ApiError.not_found(f"Could not find CustomerPhoneNumber {dest_id}")
            return dest.to_json()

    def delete_destination(self, dest_id: int) -> None:
        with self.lock:
            dest = self.destinations.get(dest_id)
            if dest is None:
                raise ApiError.not_found(f"Could not find CustomerPhoneNumber {dest_id}")
            self._remove_destination(dest)
            self._list_cache.clear()

    def add_destination(self, digits: str | None = None) -> int:
        """Test helper: a new discovered destination (the next id, so it sorts last); its id."""
        with self.mutate():
            if digits is None:
                number = 2_000_000 + len(self.destinations)
                while (digits := f"555{number:07d}") in self.by_digits:
                    number += 1
            now = int(time.time())
            return _store_destination(
                self,
                digits,
                primary_url="",
                requested_destination_name="Added meanwhile",
                acknowledged_at=None,
                created_at=now,
                updated_at=now,
                ignored_at=None,
                notified_at=None,
                campaign=next(iter(self.campaigns.values())),
                obfuscated_tag_id="0000abcd",
            ).id

    def find_destination(self, phone_number: str) -> Destination | None:
        """The destination with this number (any punctuation), or None."""
        digits = DIGITS_RE.sub("", phone_number)
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]
        with self.lock:
            return self.by_digits.get(digits)

    def set_ignored(self, dest_id: int, ignored: bool = True) -> None:
        """Test helper: set or clear ``ignored_at`` of a destination."""
        with self.mutate():
            dest = self.destinations[dest_id]
            now = int(time.time())
            dest.ignored_at = now if ignored else None
            dest.updated_at = now

    def _remove_destination(self, dest: Destination) -> None:
        del self.destinations[dest.id]
        self.by_digits.pop(dest.digits, None)
        if dest.pool is not None:
            self._unlink(dest)

    def _unlink(self, dest: Destination) -> None:
        pool = dest.pool
        if pool is None:
            return
        pool.destinations.pop(dest.id, None)
        if pool.default_destination_id == dest.id:
            pool.default_destination_id = min(pool.destinations) if pool.destinations else None
        dest.pool = None

    def _link(self, dest: Destination, pool: RingPool, *, make_default: bool) -> None:
        if dest.pool is not pool:
            self._unlink(dest)
        dest.pool = pool
        dest.campaign = pool.campaign
        pool.destinations[dest.id] = dest
        if make_default or pool.default_destination_id is None:
            pool.default_destination_id = dest.id

    # -- advertisers and campaigns ------------------------------------------

    def list_advertisers(self) -> list[dict[str, Any]]:
        with self.lock:
            return [adv.to_json() for adv in self.advertisers.values()]

    def get_advertiser(self, adv_ifn: str) -> dict[str, Any]:
        with self.lock:
            return self._advertiser(adv_ifn).to_json()

    def list_campaigns(self, adv_ifn: str) -> list[dict[str, Any]]:
        with self.lock:
            adv = self._advertiser(adv_ifn)
            return [camp.to_json() for camp in adv.campaigns.values()]

    def get_campaign(self, adv_ifn: str, camp_ifn: str) -> dict[str, Any]:
        with self.lock:
            return self._campaign(adv_ifn, camp_ifn).to_json()

    def _advertiser(self, adv_ifn: str) -> Advertiser:
        adv = self.advertisers.get(adv_ifn)
        if adv is None:
            raise ApiError.not_found(f"Could not find Advertiser {adv_ifn}")
        return adv

    def _campaign(self, adv_ifn: str, camp_ifn: str) -> Campaign:
        adv = self._advertiser(adv_ifn)
        camp = adv.campaigns.get(camp_ifn)
        if camp is None:
            raise ApiError.not_found(
                f"Could not find AdvertiserCampaign {camp_ifn} for advertiser {adv_ifn}"
            )
        return camp

    def _pool(self, adv_ifn: str, camp_ifn: str, pool_ifn: str) -> RingPool:
        camp = self._campaign(adv_ifn, camp_ifn)
        pool = camp.ring_pools.get(pool_ifn)
        if pool is None:
            raise ApiError.not_found(
                f"Could not find RingPool {pool_ifn} for advertiser campaign {camp_ifn} "
                f"and advertiser {adv_ifn}"
            )
        return pool

    # -- ring pools --------------------------------------------------------

    def list_ring_pools(self, adv_ifn: str, camp_ifn: str) -> list[dict[str, Any]]:
        with self.lock:
            camp = self._campaign(adv_ifn, camp_ifn)
            return [pool.to_json() for pool in camp.ring_pools.values()]

    def get_ring_pool(self, adv_ifn: str, camp_ifn: str, pool_ifn: str) -> dict[str, Any]:
        with self.lock:
            return self._pool(adv_ifn, camp_ifn, pool_ifn).to_json()

    def post_ring_pool(
        self, adv_ifn: str, camp_ifn: str, pool_ifn: str | None, payload: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Create-or-update.  Returns (201 on create | 200 on update, GET shape)."""
        with self.lock:
            camp = self._campaign(adv_ifn, camp_ifn)
            if pool_ifn is not None:
                body_ifn = payload.get("id_from_network")
                if body_ifn not in (None, "") and str(body_ifn).strip() != pool_ifn:
                    raise ApiError.field("id_from_network", "must match the id in the URL")
                payload = {**payload, "id_from_network": pool_ifn}
            else:
                raw = payload.get("id_from_network")
                pool_ifn = str(raw).strip() if isinstance(raw, str | int) else None
            existing = self.ring_pools.get(pool_ifn) if pool_ifn else None
            if existing is not None and existing.campaign is not camp:
                raise ApiError.field("id_from_network", "has already been taken")
            if existing is not None:
                return 200, self._update_pool(existing, payload)
            cleaned = clean_ring_pool(payload, creating=True, ids_generated=self.generate_ids)
            if cleaned.id_from_network is None:
                cleaned.id_from_network = f"auto-{self.next_id('pool')}"
            self._check_server_error(cleaned)
            pool = self._create_pool(camp, cleaned)
            return 201, pool.to_json()

    def put_ring_pool(
        self, adv_ifn: str, camp_ifn: str, pool_ifn: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            pool = self._pool(adv_ifn, camp_ifn, pool_ifn)
            body_ifn = payload.get("id_from_network")
            if body_ifn not in (None, "") and str(body_ifn).strip() != pool.id_from_network:
                raise ApiError.field("id_from_network", "can't be changed after creation")
            return self._update_pool(pool, payload)

    def delete_ring_pool(
        self, adv_ifn: str, camp_ifn: str, pool_ifn: str, *, delete_numbers: bool = False
    ) -> None:
        with self.lock:
            pool = self._pool(adv_ifn, camp_ifn, pool_ifn)
            now = int(time.time())
            for dest in list(pool.destinations.values()):
                if delete_numbers:
                    self._remove_destination(dest)
                else:
                    self._unlink(dest)
                    dest.updated_at = now
            del pool.campaign.ring_pools[pool.id_from_network]
            del self.ring_pools[pool.id_from_network]
            self._list_cache.clear()

    def _check_server_error(self, cleaned: CleanedPool) -> None:
        if "SERVER-ERROR" in (cleaned.attrs.get("name") or ""):
            raise ApiError.internal(self.new_error_handle())

    def _create_pool(self, camp: Campaign, cleaned: CleanedPool) -> RingPool:
        now = int(time.time())
        attrs = _default_attrs()
        attrs.update(cleaned.attrs)
        assert cleaned.id_from_network is not None
        pool = RingPool(
            id=self.next_id("pool"),
            id_from_network=cleaned.id_from_network,
            campaign=camp,
            attrs=attrs,
            created_at=now,
            updated_at=now,
        )
        self._apply_local(pool, cleaned)
        camp.ring_pools[pool.id_from_network] = pool
        self.ring_pools[pool.id_from_network] = pool
        self._apply_phone(pool, cleaned, now)
        self._list_cache.clear()
        return pool

    def _update_pool(self, pool: RingPool, payload: dict[str, Any]) -> dict[str, Any]:
        cleaned = clean_ring_pool(
            payload,
            creating=False,
            current_attrs=pool.attrs,
            is_local=pool.local_center is not None,
        )
        self._check_server_error(cleaned)
        now = int(time.time())
        pool.attrs.update(cleaned.attrs)
        pool.updated_at = now
        self._apply_local(pool, cleaned)
        self._apply_phone(pool, cleaned, now)
        self._list_cache.clear()
        return pool.to_json()

    def _apply_local(self, pool: RingPool, cleaned: CleanedPool) -> None:
        if cleaned.local_center is not MISSING:
            if cleaned.local_center is None:
                pool.local_center = None
                pool.local_number_preferences = None
                pool.tn_prefix_whitelist = None
                return
            pool.local_center = cleaned.local_center
        if pool.local_center is None:
            return
        prefs = dict(pool.local_number_preferences or DEFAULT_LOCAL_PREFERENCES)
        prefs.update(cleaned.local_number_preferences or {})
        pool.local_number_preferences = prefs
        if cleaned.tn_prefix_whitelist is not None:
            pool.tn_prefix_whitelist = cleaned.tn_prefix_whitelist
        elif pool.tn_prefix_whitelist is None:
            pool.tn_prefix_whitelist = []

    def _apply_phone(self, pool: RingPool, cleaned: CleanedPool, now: int) -> None:
        digits = cleaned.phone_digits
        if digits is None:
            return
        dest = self.by_digits.get(digits)
        if dest is None:
            dest = Destination(
                id=self.next_id("dest"),
                digits=digits,
                phone_number=format_phone(digits),
                primary_url=pool.attrs.get("destination_url") or "",
                requested_destination_name=f"{pool.name[:60]} {format_phone(digits)}",
                acknowledged_at=None,
                created_at=now,
                updated_at=now,
                ignored_at=None,
                notified_at=None,
                campaign=pool.campaign,
                pool=None,
                obfuscated_tag_id=cleaned.obfuscated_tag_id
                or f"{self._runtime_rng.getrandbits(32):08x}",
            )
            self.destinations[dest.id] = dest
            self.by_digits[digits] = dest
        else:
            dest.ignored_at = None
            dest.updated_at = now
            if cleaned.obfuscated_tag_id:
                dest.obfuscated_tag_id = cleaned.obfuscated_tag_id
        self._link(dest, pool, make_default=True)


def _id_key(dest: Destination) -> int:
    return dest.id


def _sort_key(field_name: str) -> Callable[[Destination], tuple[bool, Any, int]]:
    def key(dest: Destination) -> tuple[bool, Any, int]:
        value = getattr(dest, field_name)
        return (value is None, value, dest.id)

    return key


def _query_digits(query: str | None) -> str | None:
    """None: no filter.  "": matches nothing (a query without digits)."""
    if query is None or not query.strip():
        return None
    digits = DIGITS_RE.sub("", query)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return digits


def _default_attrs() -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "name": "",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "destination_url": None,
        "lifetime_seconds": 300,
        "max_pool_size": 2,
        "preferred": False,
        "is_first_preference": False,
    }
    attrs.update(dict.fromkeys(PARAM_FIELDS))
    attrs.update(
        {
            "test_click_url": None,
            "sample_api_url": None,
            "fill_immediately": False,
            "allow_overflow": True,
            "api_key": None,
        }
    )
    return attrs


# -- generation ---------------------------------------------------------------


def _store_destination(state: SandboxState, digits: str, **fields: Any) -> Destination:
    """A new destination (the next id, no ring pool), stored in ``state``."""
    dest = Destination(
        id=state.next_id("dest"),
        digits=digits,
        phone_number=f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
        pool=None,
        **fields,
    )
    state.destinations[dest.id] = dest
    state.by_digits[digits] = dest
    return dest


def _generate(state: SandboxState, count: int, rng: random.Random) -> None:
    """Fill ``state`` deterministically from ``rng``."""
    campaign_number = 100
    pool_number = 1000
    active_pools: list[RingPool] = []
    all_campaigns: list[Campaign] = []
    pool_overrides = list(POOL_NAME_OVERRIDES)

    for adv_ifn, adv_name, approval, domain in ADVERTISER_SPECS:
        adv = Advertiser(
            id=state.next_id("advertiser"),
            id_from_network=adv_ifn,
            name=adv_name,
            approval_status=approval,
            domain=domain,
            created_at=SEED_NOW - TWO_YEARS - rng.randrange(90 * 86400),
        )
        state.advertisers[adv_ifn] = adv
        themes = rng.sample(CAMPAIGN_THEMES, rng.randint(2, 5))
        for index, theme in enumerate(themes):
            campaign_number += 1
            if approval == "Approved":
                status = "Activated" if index == 0 or rng.random() < 0.75 else "Paused"
            elif approval in ("Applied", "Suspended"):
                status = "Paused"
            else:
                status = "Deactivated"
            name = f"{theme} – {rng.choice(CITIES)}"
            if index == 0 and adv_ifn in CAMPAIGN_NAME_OVERRIDES:
                name = CAMPAIGN_NAME_OVERRIDES[adv_ifn]
            camp = Campaign(
                id=state.next_id("campaign"),
                id_from_network=str(campaign_number),
                name=name,
                status=status,
                advertiser=adv,
                created_at=adv.created_at + rng.randrange(60 * 86400),
            )
            adv.campaigns[camp.id_from_network] = camp
            state.campaigns[camp.id_from_network] = camp
            all_campaigns.append(camp)
            if status != "Activated":
                continue
            for pool_index in range(rng.randint(1, 4)):
                pool_number += 1
                pool = _seed_pool(state, rng, camp, str(pool_number), pool_index, domain)
                if pool_overrides:
                    pool.attrs["name"] = pool_overrides.pop(0)
                camp.ring_pools[pool.id_from_network] = pool
                state.ring_pools[pool.id_from_network] = pool
                active_pools.append(pool)

    # Plain ``random()`` arithmetic instead of choice()/randrange(): five times
    # faster, which matters at 100,000+ rows, and just as deterministic.
    rand = rng.random
    seen: set[str] = set()
    npas = NPAS
    npa_count = len(npas)
    line_space = 800 * 10000
    for index in range(count):
        for _attempt in range(100):
            number = int(rand() * line_space)
            nxx, line = 200 + number // 10000, number % 10000
            digits = f"{npas[int(rand() * npa_count)]}{nxx}{line:04d}"
            if nxx % 100 != 11 and digits not in seen:
                break
        else:  # pragma: no cover - astronomically unlikely
            raise RuntimeError("could not generate a unique phone number")
        seen.add(digits)
        roll = rand()
        pool = None
        if roll < 0.45 and active_pools:
            pool = active_pools[int(rand() * len(active_pools))]
            camp = pool.campaign
        else:
            camp = all_campaigns[int(rand() * len(all_campaigns))]
        created = SEED_NOW - int(rand() * TWO_YEARS)
        age = SEED_NOW - created
        updated = created + int(rand() * age)
        ignored = None
        if pool is None and roll >= 0.85:
            ignored = created + int(rand() * age)
            updated = max(updated, ignored)
        extra = rand()
        acknowledged = created + int(extra * 2 * 86400 * 7) if extra < 0.5 else None
        notified = created + int(rand() * 3600 * 12) if rand() < 0.3 else None
        url_path = URL_PATHS[int(rand() * len(URL_PATHS))]
        domain = camp.advertiser.domain
        primary_url = f"https://www.{domain}/{url_path}" if extra < 0.9 else ""
        city = CITIES[int(rand() * len(CITIES))]
        name = f"{city} {LINE_KINDS[int(rand() * len(LINE_KINDS))]}"
        if index < len(HOSTILE_URLS):
            primary_url = HOSTILE_URLS[index]
        if index == 0:
            name = HOSTILE_DESTINATION_NAME
        elif index == 2:
            name = "Ünïcode Front desk — 東京 " + "x" * 110
        dest = _store_destination(
            state,
            digits,
            primary_url=primary_url,
            requested_destination_name=name,
            acknowledged_at=acknowledged,
            created_at=created,
            updated_at=updated,
            ignored_at=ignored,
            notified_at=notified,
            campaign=camp,
            obfuscated_tag_id=f"{int(rand() * 0xFFFFFFFF):08x}",
        )
        if pool is not None:
            dest.pool = pool
            pool.destinations[dest.id] = dest
            if pool.default_destination_id is None:
                pool.default_destination_id = dest.id


def _seed_pool(
    state: SandboxState,
    rng: random.Random,
    camp: Campaign,
    pool_ifn: str,
    pool_index: int,
    domain: str,
) -> RingPool:
    created = camp.created_at + rng.randrange(120 * 86400)
    attrs = _default_attrs()
    attrs.update(
        {
            "name": f"{rng.choice(POOL_KINDS)} {rng.choice(CITIES)} {pool_ifn}",
            "pool_type": rng.choice(POOL_TYPES),
            "destination_type": "API" if rng.random() < 0.15 else "Advertiser",
            "destination_url": f"https://www.{domain}/{rng.choice(URL_PATHS)}",
            "lifetime_seconds": rng.choice(LIFETIMES),
            "max_pool_size": rng.randint(2, 25),
            "preferred": pool_index == 0,
            "is_first_preference": pool_index == 0,
            "param1": rng.choice(("gclid", "utm_source", None)),
            "test_click_url": f"https://sandbox.invoca.net/c/{pool_ifn}?test=1",
            "sample_api_url": f"https://sandbox.invoca.net/api/ring_pools/{pool_ifn}/allocate",
            "fill_immediately": rng.random() < 0.5,
            "allow_overflow": rng.random() < 0.8,
            "api_key": f"{rng.getrandbits(64):016x}",
        }
    )
    pool = RingPool(
        id=state.next_id("pool"),
        id_from_network=pool_ifn,
        campaign=camp,
        attrs=attrs,
        created_at=created,
        updated_at=created + rng.randrange(SEED_NOW - created + 1),
    )
    if rng.random() < 0.25:
        way = rng.randrange(3)
        if way == 0:
            pool.local_center = {"tn_prefix": rng.choice(NPAS)}
        elif way == 1:
            pool.local_center = {"zipcode": rng.choice(ZIPCODES)}
        else:
            lat, lng = rng.choice(COORDINATES)
            pool.local_center = {"latitude": lat, "longitude": lng}
        pool.local_number_preferences = {
            "search_radius_miles": rng.choice((50, 120, 240)),
            "restrict_search_to_state": rng.random() < 0.7,
            "allocation_fallback_strategy": rng.choice(("UseTollFree", "Wait")),
        }
        pool.tn_prefix_whitelist = rng.sample(NPAS, rng.randint(0, 3))
    return pool
