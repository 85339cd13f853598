"""Fuzz tests: hostile input to every list, detail page, form and POST action, as an
editor (the admin's changelists as a superuser), never gets a 5xx.

Hostile values: huge and negative numbers, 2**31, 2**63 and beyond, 10,000-digit
numbers, NUL bytes, 10,000-character strings, non-ASCII, HTML- and SQL-looking
text, repeated parameters, and a foreign or bogus `next`. A page, a field error,
a redirect or a 4xx are all fine; the test client re-raises any exception a view
lets through, so a crash fails the example too.

Invoca is pointed at a closed loopback port: a write or sync that gets past
validation fails fast as "unavailable", and nothing leaves the machine.
`FUZZ_STATS` counts the requests sent and the 5xx seen; the terminal summary
prints them (see tests/conftest.py).
"""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from destinations.forms import DestinationFilterForm
from invoca_admin.core.audit import audit_record
from ringpools.forms import PARAM_FIELDS, RingPoolCreateForm
from tests.destinations.conftest import make_destination
from tests.ringpools.conftest import make_advertiser, make_campaign, make_pool

pytestmark = pytest.mark.django_db

FUZZ_STATS = {"requests": 0, "5xx": 0}
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard: nothing listens, connections are refused

NUMBERS = [
    str(n)
    for n in (0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**32, 2**63 - 1, 2**63, -(2**63) - 1)
] + [str(2**64), str(10**30), "9" * 10_000, "-" + "9" * 10_000, "1e309", "NaN", "-0", "0x10"]
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 5,
    "x" * 10_000,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    "'; DROP TABLE destinations_destination; --",
    "1; SELECT pg_sleep(10)",
    "%",
    "_",
    "\\",
    "%00",
    "☃ üñî 𝔘𝔫𝔦 中文 العربية",
    "١٢٣",
    "²",
    "\r\nSet-Cookie: evil=1",
    "\u202e\u200b",
    "https://evil.example/x",
    "//evil.example/x",
    "/\\evil.example",
    "javascript:alert(1)",
    "foo",
]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
HOSTILE = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from(NASTY),
    st.builds(lambda a, b: f"{a}\x00{b}", TEXT, TEXT),  # NUL somewhere in ordinary text
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    TEXT,
)
VALUES = st.lists(HOSTILE, min_size=1, max_size=3)  # more than one: a repeated parameter
NEXT = st.one_of(st.sampled_from(NASTY), st.just("/destinations/"), TEXT)


def params(names: list[str]):
    """A query string or form body: some of `names` (and a stray one), hostile values."""
    return st.dictionaries(st.sampled_from([*names, "next", "zz"]), VALUES, max_size=len(names))


def send(client, method: str, url: str, data=None, *, htmx: bool = False):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    if method == "get":
        query = urlencode(data or {}, doseq=True)
        response = client.get(f"{url}?{query}" if query else url, **extra)
    else:
        response = client.post(url, data or {}, **extra)
    FUZZ_STATS["requests"] += 1
    if response.status_code >= 500:
        FUZZ_STATS["5xx"] += 1
    assert response.status_code < 500, (method, url, data, response.status_code)
    return response


@pytest.fixture
def world(editor, settings, monkeypatch):
    """A few rows of every kind, and an Invoca that refuses connections at once."""
    settings.INVOCA_API_URL = CLOSED_PORT_URL
    settings.INVOCA_NETWORK_ID = "2041"
    settings.INVOCA_API_TOKEN = "fuzz-token-never-sent-anywhere"
    settings.INVOCA_CONNECT_TIMEOUT = 0.5
    monkeypatch.setattr("invoca_admin.invoca.transport.time.sleep", lambda seconds: None)
    advertiser = make_advertiser()
    campaign = make_campaign(advertiser)
    pool = make_pool(campaign)
    destinations = [
        make_destination("202-555-0101", remote_id=101, campaign=("101", "Brand Search")),
        make_destination("202-555-0102", remote_id=102, status="ignored"),
        make_destination("202-555-0103", remote_id=103, pool=("1001", "Google Ads")),
    ]
    audit_record(user=editor, action="destination.ignore", target_type="destination", target_id=1)
    return {"advertiser": advertiser, "campaign": campaign, "pool": pool, "d": destinations}


# The list's own state (from its form), its page, and the "no default view" marker.
LIST_PARAMS = [*DestinationFilterForm.state_order, "page", "view"]
POOL_LIST_PARAMS = ["advertiser", "campaign", "query", "sort_by", "sort_dir", "page", "per_page"]


class TestListsAndPages:
    @FUZZ
    @given(data=params(LIST_PARAMS), htmx=st.booleans())
    def test_destinations_list(self, editor_client, world, data, htmx):
        send(editor_client, "get", "/destinations/", data, htmx=htmx)

    @FUZZ
    @given(data=params(POOL_LIST_PARAMS), htmx=st.booleans())
    def test_ringpools_list(self, editor_client, world, data, htmx):
        send(editor_client, "get", "/ringpools/", data, htmx=htmx)

    @FUZZ
    @given(data=params(["action", "outcome", "page"]), htmx=st.booleans())
    @example(data={"action": ["\x00"]}, htmx=False)
    def test_audit_log(self, editor_client, world, data, htmx):
        send(editor_client, "get", "/audit/", data, htmx=htmx)

    @FUZZ
    @given(data=params(["advertiser"]), htmx=st.booleans())
    @example(data={"advertiser": ["\x00"]}, htmx=True)
    def test_campaign_options(self, editor_client, world, data, htmx):
        send(editor_client, "get", "/ringpools/new/campaigns/", data, htmx=htmx)

    @FUZZ
    @given(
        remote_id=st.sampled_from(["101", "103", "0", str(2**63), "9" * 10_000, "-1"]),
        data=params(LIST_PARAMS),
        htmx=st.booleans(),
    )
    def test_destination_detail(self, editor_client, world, remote_id, data, htmx):
        send(editor_client, "get", f"/destinations/{remote_id}/", data, htmx=htmx)

    @FUZZ
    @given(
        pk=st.sampled_from(["pool", "0", str(2**31), str(2**63), "9" * 10_000]),
        page=st.sampled_from(["", "edit/", "delete/"]),
        data=params(["destination", "query", "page"]),
        htmx=st.booleans(),
    )
    def test_ringpool_pages(self, editor_client, world, pk, page, data, htmx):
        pk = str(world["pool"].pk) if pk == "pool" else pk
        send(editor_client, "get", f"/ringpools/{pk}/{page}", data, htmx=htmx)

    @FUZZ
    @given(data=params(["destination"]), htmx=st.booleans())
    def test_ringpool_create_page(self, editor_client, world, data, htmx):
        send(editor_client, "get", "/ringpools/new/", data, htmx=htmx)

    @FUZZ
    @given(
        changelist=st.sampled_from(
            [
                "/admin/invoca_admin/auditentry/",
                "/admin/invoca_admin/syncrun/",
                "/admin/auth/user/",
                "/admin/auth/group/",
                "/admin/axes/accessattempt/",
            ]
        ),
        data=params(["q", "o", "p", "all", "action__exact", "outcome__exact", "status__exact"]),
    )
    @example(changelist="/admin/invoca_admin/auditentry/", data={"q": ["a\x00"]})
    @example(changelist="/admin/auth/user/", data={"q": ["\x00"]})
    def test_admin_changelists(self, admin_client, world, changelist, data):
        send(admin_client, "get", changelist, data)


def _pool_form(world) -> dict:
    """A create form Invoca would accept: hostile values replace some of its fields."""
    return {
        "advertiser": world["advertiser"].id_from_network,
        "campaign": world["campaign"].id_from_network,
        "name": "Fuzzed pool",
        "id_from_network": "fuzz-01",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "lifetime_seconds": "300",
        "max_pool_size": "2",
        "allow_overflow": "on",
    }


# Every field of the create form (the edit form's are a subset), taken from the form.
POOL_FIELDS = [*RingPoolCreateForm.base_fields, *PARAM_FIELDS]


class TestForms:
    @FUZZ
    @given(overrides=params(POOL_FIELDS), htmx=st.booleans())
    def test_ringpool_create(self, editor_client, world, overrides, htmx):
        send(
            editor_client, "post", "/ringpools/new/", {**_pool_form(world), **overrides}, htmx=htmx
        )

    @FUZZ
    @given(overrides=params(POOL_FIELDS), htmx=st.booleans())
    def test_ringpool_edit(self, editor_client, world, overrides, htmx):
        url = f"/ringpools/{world['pool'].pk}/edit/"
        send(editor_client, "post", url, {**_pool_form(world), **overrides}, htmx=htmx)


BULK_FIELDS = ["action", "ids", "select_all", *LIST_PARAMS]


class TestActions:
    @FUZZ
    @given(next_url=st.lists(NEXT, max_size=3), htmx=st.booleans(), referer=NEXT)
    @example(next_url=["https://evil.example/x"], htmx=False, referer="")
    @example(next_url=["//evil.example/x"], htmx=False, referer="")
    @example(next_url=["foo"], htmx=False, referer="")
    @example(next_url=["/a/", "/b/"], htmx=False, referer="https://evil.example/")
    def test_sync(self, editor_client, world, next_url, htmx, referer):
        editor_client.defaults["HTTP_REFERER"] = referer.replace("\x00", "")
        response = send(editor_client, "post", "/sync/", {"next": next_url}, htmx=htmx)
        if response.status_code == 302:
            assert response["Location"].startswith("/")
            assert not response["Location"].startswith(("//", "/\\"))

    @FUZZ
    @given(
        action=st.sampled_from(["ignore", "unignore", "delete"]),
        remote_id=st.sampled_from(["101", "102", "103", str(2**63), "9" * 10_000]),
        query=params(LIST_PARAMS),
        next_url=st.lists(NEXT, max_size=3),
        htmx=st.booleans(),
    )
    @example(action="ignore", remote_id="101", query={}, next_url=["foo"], htmx=False)
    @example(action="unignore", remote_id="102", query={}, next_url=["/a/", "/b/"], htmx=False)
    @example(action="delete", remote_id="101", query={}, next_url=["/x\r\ny"], htmx=False)
    def test_row_actions(self, editor_client, world, action, remote_id, query, next_url, htmx):
        url = f"/destinations/{remote_id}/{action}/?{urlencode(query, doseq=True)}"
        response = send(editor_client, "post", url, {"next": next_url}, htmx=htmx)
        if response.status_code == 302:
            assert response["Location"].startswith("/")
            assert not response["Location"].startswith(("//", "/\\"))

    @FUZZ
    @given(
        action=st.sampled_from(["ignore", "unignore", "delete", "", "drop"]),
        ids=st.lists(st.one_of(st.sampled_from(["101", "102", "103"]), HOSTILE), max_size=6),
        extra=params(BULK_FIELDS),
        htmx=st.booleans(),
    )
    @example(action="ignore", ids=[str(2**63)], extra={}, htmx=False)
    @example(action="delete", ids=["9" * 10_000, "-1"], extra={}, htmx=True)
    @example(action="unignore", ids=["101"], extra={"next": ["foo"]}, htmx=False)
    def test_bulk(self, editor_client, world, action, ids, extra, htmx):
        data = {"action": action, "ids": ids, **extra}
        response = send(editor_client, "post", "/destinations/bulk/", data, htmx=htmx)
        if response.status_code == 302:
            assert response["Location"].startswith("/")
            assert not response["Location"].startswith(("//", "/\\"))

    @FUZZ
    @given(data=params(["delete_detected_phone_number"]), htmx=st.booleans())
    def test_ringpool_delete(self, editor_client, world, data, htmx):
        send(editor_client, "post", f"/ringpools/{world['pool'].pk}/delete/", data, htmx=htmx)

    @FUZZ
    @given(data=params(["username", "password"]))
    @example(data={"username": ["editor\x00"], "password": ["x"]})
    def test_login_form(self, client, world, data):
        send(client, "post", "/accounts/login/", data)


class TestListPreferences:
    """Saved views and the column chooser: a user's own state, from hostile forms."""

    @FUZZ
    @given(
        data=params(["list_id", "query", "name", "is_default"]),
        list_id=st.sampled_from(["destination", "ringpool", "audit"]),
        htmx=st.booleans(),
    )
    @example(data={"query": ["status=x&" * 400], "name": ["long"]}, list_id="audit", htmx=True)
    def test_save_a_view(self, editor_client, world, data, list_id, htmx):
        response = send(
            editor_client, "post", "/views/new/", {"list_id": list_id, **data}, htmx=htmx
        )
        if response.status_code == 302:
            assert response["Location"].startswith("/")
            assert not response["Location"].startswith(("//", "/\\"))

    @FUZZ
    @given(
        data=params(["name", "is_default"]),
        pk=st.sampled_from(["1", str(2**63), "9" * 10_000]),
        action=st.sampled_from(["edit", "delete"]),
    )
    def test_change_a_view(self, editor_client, world, editor, data, pk, action):
        from invoca_admin.models import SavedView

        SavedView.objects.get_or_create(
            pk=1, defaults={"user": editor, "list_id": "audit", "name": "v", "query": "x=1"}
        )
        send(editor_client, "post", f"/views/{pk}/{action}/", data)
        send(editor_client, "get", f"/views/{pk}/")

    @FUZZ
    @given(
        data=params(["column", "shown"]),
        list_id=st.sampled_from(["destination", "ringpool", "audit", "nope"]),
        htmx=st.booleans(),
    )
    def test_column_chooser(self, editor_client, world, data, list_id, htmx):
        send(editor_client, "post", f"/lists/{list_id}/columns/", data, htmx=htmx)
        send(editor_client, "get", "/destinations/?view=all", htmx=htmx)
