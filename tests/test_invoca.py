"""Tests for invoca_admin.invoca: the one module that speaks HTTP to Invoca.

Every HTTP call is mocked with ``responses`` (``assert_all_requests_are_fired``), and
sleeps are recorded instead of waited, so nothing here touches a network or a clock.
The ``get_client()`` tests need pytest-django's ``settings`` and skip without it.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import responses
import urllib3
from responses import matchers
from responses.registries import OrderedRegistry

from invoca_admin.invoca import (
    Advertiser,
    Campaign,
    CampaignRef,
    Destination,
    DestinationPage,
    InvocaAuthError,
    InvocaClient,
    InvocaError,
    InvocaNotConfigured,
    InvocaNotFound,
    InvocaServerError,
    InvocaUnavailable,
    InvocaValidationError,
    LinkedDestination,
    PoolRef,
    RingPool,
    get_client,
    is_configured,
)

FIXTURES = Path(__file__).parent / "fixtures" / "invoca"
HOST = "https://acme.invoca.net"
NETWORK = "1234"
TOKEN = "test-token-7f3a9c-not-real"  # a stand-in; the point is that it never leaks
API = f"{HOST}/api/2022-08-01/{NETWORK}"
DESTINATIONS = f"{API}/customer_phone_numbers.json"
RING_POOLS = f"{API}/advertisers/adv-1/advertiser_campaigns/83/ring_pools"
PDT = timezone(timedelta(hours=-7))


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def destination_row(n: int) -> dict:
    """A documented destination row with its own numeric id and phone number."""
    row = copy.deepcopy(load("destinations_list.json")["data"][0])
    row["id"] = n
    row["phone_number"] = f"202-555-{n:04d}"
    return row


def page_body(ids, total: int) -> dict:
    return {"data": [destination_row(n) for n in ids], "requestId": None, "recordsTotal": total}


def ring_pool_body(**overrides) -> dict:
    """The GET shape of a ring pool (fields as listed in INVOCA_API.md)."""
    body = {
        "id": 555,
        "id_from_network": "13",
        "name": "tag 1.83",
        "object_url": "https://acme.invoca.net/a/ring_pools/555",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "destination_url": "https://www.invoca.com",
        "lifetime_seconds": 300,
        "max_pool_size": 2,
        "preferred": False,
        "is_first_preference": True,
        "fill_immediately": False,
        "allow_overflow": True,
        "param1": "gclid",
        "param2": None,
        "test_click_url": "https://acme.invoca.net/click/555",
        "sample_api_url": "https://acme.invoca.net/api/555",
        "api_key": "pool-key",
        "customer_phone_numbers": [
            {"destination_phone_number": "2025550001", "js_tag": {"obfuscated_tag_id": "abc123"}}
        ],
        "default_customer_phone_number": {
            "destination_phone_number": "2025550001",
            "js_tag": {"obfuscated_tag_id": "abc123"},
        },
    }
    body.update(overrides)
    return body


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_client(sleeps: list[float], **kwargs) -> InvocaClient:
    client = InvocaClient(api_url=HOST, network_id=NETWORK, token=TOKEN, **kwargs)
    client._sleep = sleeps.append
    client._random = lambda: 1.0  # full jitter at its ceiling: deterministic delays
    return client


@pytest.fixture
def client(sleeps):
    with make_client(sleeps) as client:
        yield client


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def ordered():
    """Responses served strictly in the order added; a surplus request fails."""
    with responses.RequestsMock(
        assert_all_requests_are_fired=True, registry=OrderedRegistry
    ) as mock:
        yield mock


@pytest.fixture
def django_settings(request):
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("needs pytest-django and invoca_admin.settings")
    return request.getfixturevalue("settings")


# --- what is sent -----------------------------------------------------------------------------


class TestRequests:
    def test_url_and_authorization_header(self, client, rsps):
        rsps.get(
            DESTINATIONS,
            json=load("destinations_list.json"),
            match=[
                matchers.header_matcher({"Authorization": TOKEN, "Accept": "application/json"}),
                matchers.query_param_matcher({"start": 0, "limit": 100}),
            ],
        )

        client.list_destinations()

        request = rsps.calls[0].request
        assert request.url.startswith(DESTINATIONS + "?")
        assert TOKEN not in request.url
        assert request.body is None
        assert request.req_kwargs["timeout"] == (5.0, 30.0)

    def test_bare_token_without_bearer(self, client, rsps):
        rsps.get(f"{API}/advertisers.json", json=[])

        client.list_advertisers()

        assert rsps.calls[0].request.headers["Authorization"] == TOKEN

    def test_post_sends_json_body_and_keeps_token_out_of_it(self, client, rsps):
        body = load("ring_pool_local_request.json")
        rsps.post(
            f"{RING_POOLS}.json",
            json={},
            match=[
                matchers.json_params_matcher(body),
                matchers.header_matcher(
                    {"Authorization": TOKEN, "Content-Type": "application/json"}
                ),
            ],
        )

        client.create_ring_pool("adv-1", "83", data=body)

        request = rsps.calls[0].request
        assert TOKEN.encode() not in request.body
        assert TOKEN not in request.url

    def test_list_filters_become_query_params(self, client, rsps):
        rsps.get(
            DESTINATIONS,
            json=page_body([], 0),
            match=[
                matchers.query_param_matcher(
                    {
                        "start": 200,
                        "limit": 50,
                        "query": "202-555",
                        "status": "discovered",
                        "sort_by": "phone_number",
                        "sort_dir": "desc",
                    }
                )
            ],
        )

        page = client.list_destinations(
            start=200,
            limit=50,
            query="202-555",
            status="discovered",
            sort_by="phone_number",
            sort_dir="desc",
        )

        assert page == DestinationPage(rows=(), total=0, start=200)

    @pytest.mark.parametrize("bad", [{"status": "archived"}, {"sort_dir": "up"}])
    def test_bad_list_arguments_are_refused_before_sending(self, client, bad):
        with pytest.raises(ValueError):
            client.list_destinations(**bad)

    def test_trailing_slash_version_and_escaped_ids(self, sleeps, rsps):
        rsps.get(
            f"{HOST}/api/2019-05-01/{NETWORK}/advertisers/a%20b%2Fc/advertiser_campaigns.json",
            json=[],
        )
        client = InvocaClient(
            api_url=HOST + "/", network_id=NETWORK, token=TOKEN, api_version="2019-05-01"
        )

        assert client.list_campaigns("a b/c") == []

    def test_repr_hides_token(self, client):
        assert TOKEN not in repr(client)
        assert TOKEN not in str(vars(client).get("api_url"))
        assert "acme.invoca.net" in repr(client)

    def test_session_pools_enough_connections_for_concurrent_pages(self, client):
        adapter = client._session.get_adapter(HOST)
        assert adapter._pool_connections >= 16
        assert adapter._pool_maxsize >= 16

    def test_concurrent_gets_share_one_client(self, client, rsps):
        for start in range(0, 400, 100):
            rsps.get(
                DESTINATIONS,
                json=page_body(range(start, start + 100), 400),
                match=[matchers.query_param_matcher({"start": start, "limit": 100})],
            )

        with ThreadPoolExecutor(max_workers=4) as pool:
            pages = list(pool.map(lambda s: client.list_destinations(start=s), range(0, 400, 100)))

        assert [page.rows[0].id for page in pages] == [0, 100, 200, 300]

    def test_close_and_context_manager(self, sleeps):
        client = make_client(sleeps)
        closed = []
        client._session.close = lambda: closed.append(True)
        with client:
            pass
        assert closed == [True]

    def test_close_leaves_a_borrowed_session_open(self):
        session = requests.Session()
        closed = []
        session.close = lambda: closed.append(True)
        InvocaClient(api_url=HOST, network_id=NETWORK, token=TOKEN, session=session).close()
        assert closed == []

    def test_logs_call_without_token(self, client, rsps, caplog):
        rsps.get(DESTINATIONS, json=page_body([1], 1))

        with caplog.at_level(logging.DEBUG, logger="invoca_admin.invoca"):
            client.list_destinations()

        (record,) = [r for r in caplog.records if r.name == "invoca_admin.invoca"]
        message = record.getMessage()
        assert "GET customer_phone_numbers -> 200" in message
        assert "attempt 1/4" in message
        assert " ms " in message
        assert TOKEN not in caplog.text


# --- status -> exception ----------------------------------------------------------------------


class TestStatusMapping:
    """Each documented status (and a few undocumented ones) becomes its typed error."""

    @pytest.fixture
    def client(self, sleeps):
        with make_client(sleeps, max_retries=0) as client:
            yield client

    def fail(self, client, rsps, status, **body):
        rsps.get(f"{API}/advertisers.json", status=status, **body)
        with pytest.raises(InvocaError) as info:
            client.list_advertisers()
        error = info.value
        assert error.status == status
        assert TOKEN not in str(error)
        assert TOKEN not in repr(error.payload)
        return error

    def test_401_auth_error(self, client, rsps):
        error = self.fail(client, rsps, 401, json={"errors": {"class": "Unauthorized"}})
        assert type(error) is InvocaAuthError
        assert error.message == "Invoca rejected the API token (401). Check INVOCA_API_TOKEN."

    def test_403_single_message(self, client, rsps):
        error = self.fail(client, rsps, 403, json=load("error_403_invalid_local_center.json"))
        assert type(error) is InvocaValidationError
        assert error.non_field_message == "Invalid Key in Local Center."
        assert error.message == "Invalid Key in Local Center."
        assert error.field_errors == {}
        assert error.payload == load("error_403_invalid_local_center.json")

    def test_403_per_field(self, client, rsps):
        error = self.fail(client, rsps, 403, json=load("error_403_fields.json"))
        assert type(error) is InvocaValidationError
        assert error.field_errors == {"pool_type": ["can't be blank"], "name": ["can't be blank"]}
        assert error.non_field_message is None
        assert error.message == "pool_type: can't be blank; name: can't be blank"

    def test_403_field_message_as_plain_string_becomes_a_list(self, client, rsps):
        error = self.fail(client, rsps, 403, json={"errors": {"name": "is taken"}})
        assert error.field_errors == {"name": ["is taken"]}

    def test_403_html_body(self, client, rsps):
        error = self.fail(client, rsps, 403, body="<html><body>Forbidden</body></html>")
        assert type(error) is InvocaValidationError
        assert "<html" not in error.message
        assert error.payload is None
        assert error.field_errors == {}

    def test_404_not_found_keeps_invoca_message(self, client, rsps):
        error = self.fail(client, rsps, 404, json=load("error_404.json"))
        assert type(error) is InvocaNotFound
        assert error.message == (
            "Could not find RingPool 123 for advertiser campaign 100 and advertiser 1"
        )

    def test_404_without_body(self, client, rsps):
        error = self.fail(client, rsps, 404, body="")
        assert type(error) is InvocaNotFound
        assert "404" in error.message

    def test_500_keeps_error_handle(self, client, rsps):
        error = self.fail(client, rsps, 500, json=load("error_500.json"))
        assert type(error) is InvocaServerError
        assert error.error_handle == "1228118400"
        assert error.message == "Invoca had an internal error (error handle 1228118400)."

    @pytest.mark.parametrize("status", [502, 503, 504])
    def test_gateway_html_page_stays_out_of_message(self, client, rsps, status):
        error = self.fail(client, rsps, status, body="<!DOCTYPE html><html>Bad gateway</html>")
        assert type(error) is InvocaServerError
        assert error.error_handle is None
        assert error.payload is None
        assert "html" not in error.message.lower()
        assert str(status) in error.message

    def test_429_is_a_server_error(self, client, rsps):
        error = self.fail(client, rsps, 429, body="")
        assert type(error) is InvocaServerError
        assert "429" in error.message

    @pytest.mark.parametrize("status", [400, 405, 409, 422])
    def test_other_4xx_is_the_base_error(self, client, rsps, status):
        error = self.fail(client, rsps, status, json={"errors": {"invalid_data": "Nope."}})
        assert type(error) is InvocaError
        assert error.message == f"Invoca refused the request ({status}): Nope."

    def test_2xx_that_is_not_json(self, client, rsps):
        rsps.get(f"{API}/advertisers.json", body="<html>maintenance</html>", status=200)
        with pytest.raises(InvocaError, match="not JSON"):
            client.list_advertisers()

    def test_unexpected_shape(self, client, rsps):
        rsps.get(f"{API}/advertisers.json", json={"hello": "world"})
        with pytest.raises(InvocaError, match="unexpected reply"):
            client.list_advertisers()


class TestTransportFailures:
    @pytest.fixture
    def client(self, sleeps):
        with make_client(sleeps, max_retries=0) as client:
            yield client

    def test_read_timeout(self, client, rsps):
        rsps.get(DESTINATIONS, body=requests.Timeout())
        with pytest.raises(InvocaUnavailable) as info:
            client.list_destinations()
        assert info.value.timed_out is True
        assert info.value.message == "Invoca did not answer within 30 seconds."
        assert isinstance(info.value.__cause__, requests.Timeout)

    def test_connect_timeout(self, client, rsps):
        rsps.get(DESTINATIONS, body=requests.ConnectTimeout())
        with pytest.raises(InvocaUnavailable) as info:
            client.list_destinations()
        assert info.value.timed_out is True
        assert info.value.message == (
            "Could not connect to Invoca at https://acme.invoca.net within 5 seconds."
        )

    def test_connection_refused(self, client, rsps):
        # The chain requests/urllib3 really build for a refused connection.
        reason = urllib3.exceptions.NewConnectionError(
            None, "Failed to establish a new connection: [Errno 111] Connection refused"
        )
        reason.__cause__ = ConnectionRefusedError(111, "Connection refused")
        failure = requests.ConnectionError(
            urllib3.exceptions.MaxRetryError(None, "/x", reason=reason)
        )
        rsps.get(DESTINATIONS, body=failure)

        with pytest.raises(InvocaUnavailable) as info:
            client.list_destinations()

        assert info.value.timed_out is False
        assert info.value.message == (
            "Could not reach Invoca at https://acme.invoca.net: connection refused."
        )
        assert info.value.__cause__ is failure

    def test_unknown_connection_error(self, client, rsps):
        rsps.get(DESTINATIONS, body=requests.ConnectionError("boom"))
        with pytest.raises(InvocaUnavailable, match="the connection failed"):
            client.list_destinations()

    def test_message_names_host_and_port_but_never_url_credentials(self, rsps):
        client = InvocaClient(
            api_url="https://user:pw@acme.invoca.net:8443",
            network_id=NETWORK,
            token=TOKEN,
            max_retries=0,
        )
        rsps.get(
            f"https://acme.invoca.net:8443/api/2022-08-01/{NETWORK}/advertisers.json",
            body=requests.ConnectionError("boom"),
        )

        with pytest.raises(InvocaUnavailable) as info:
            client.list_advertisers()

        assert info.value.message == (
            "Could not reach Invoca at https://acme.invoca.net:8443: the connection failed."
        )
        # The token still goes in the header; credentials in the URL never replace it.
        assert rsps.calls[0].request.headers["Authorization"] == TOKEN


# --- retries ----------------------------------------------------------------------------------


class TestRetries:
    def test_get_retries_5xx_then_succeeds(self, client, ordered, sleeps):
        ordered.get(DESTINATIONS, status=500, json=load("error_500.json"))
        ordered.get(DESTINATIONS, status=503, body="")
        ordered.get(DESTINATIONS, json=load("destinations_list.json"))

        page = client.list_destinations()

        assert len(page.rows) == 2
        assert len(ordered.calls) == 3
        assert sleeps == [0.5, 1.0]  # backoff_factor * 2**(attempt-1), jitter at 1.0

    def test_get_gives_up_after_max_retries(self, client, ordered, sleeps):
        for _ in range(4):
            ordered.get(DESTINATIONS, status=500, json=load("error_500.json"))

        with pytest.raises(InvocaServerError) as info:
            client.list_destinations()

        assert info.value.error_handle == "1228118400"
        assert sleeps == [0.5, 1.0, 2.0]

    def test_backoff_is_jittered_and_capped(self, sleeps, ordered):
        client = make_client(sleeps, max_retries=5, backoff_factor=1.0, backoff_max=3.0)
        client._random = lambda: 0.5
        for _ in range(5):
            ordered.get(DESTINATIONS, status=502, body="")
        ordered.get(DESTINATIONS, json=page_body([], 0))

        client.list_destinations()

        assert sleeps == [0.5, 1.0, 1.5, 1.5, 1.5]  # 0.5 x min(3, 1, 2, 4, 8, 16)

    def test_get_retries_timeout_and_connection_error(self, client, ordered, sleeps):
        ordered.get(DESTINATIONS, body=requests.Timeout())
        ordered.get(DESTINATIONS, body=requests.ConnectionError("reset"))
        ordered.get(DESTINATIONS, json=page_body([7], 1))

        page = client.list_destinations()

        assert [row.id for row in page.rows] == [7]
        assert len(sleeps) == 2

    def test_put_retries(self, client, ordered, sleeps):
        url = f"{RING_POOLS}/13.json"
        ordered.put(url, status=500, json=load("error_500.json"))
        ordered.put(url, json=ring_pool_body(name="renamed"))

        pool = client.update_ring_pool("adv-1", "83", "13", data={"name": "renamed"})

        assert pool.name == "renamed"
        assert sleeps == [0.5]

    def test_delete_retries(self, client, ordered, sleeps):
        url = f"{API}/customer_phone_numbers/42.json"
        ordered.delete(url, status=500, json=load("error_500.json"))
        ordered.delete(url, json={})

        assert client.delete_destination(42) is None
        assert len(ordered.calls) == 2

    @pytest.mark.parametrize(
        "first",
        [
            {"body": requests.ConnectionError("reply lost")},
            {"body": requests.Timeout()},
            {"status": 502, "body": ""},
        ],
    )
    def test_delete_404_on_a_retry_means_already_deleted(self, client, ordered, first):
        url = f"{API}/customer_phone_numbers/42.json"
        ordered.delete(url, **first)
        ordered.delete(url, status=404, json=load("error_404.json"))

        assert client.delete_destination(42) is None

    def test_delete_ring_pool_404_on_a_retry_means_already_deleted(self, client, ordered):
        url = f"{RING_POOLS}/13.json"
        ordered.delete(url, body=requests.Timeout())
        ordered.delete(url, status=404, json=load("error_404.json"))

        assert client.delete_ring_pool("adv-1", "83", "13") is None

    def test_delete_404_on_the_first_attempt_raises(self, client, ordered, sleeps):
        ordered.delete(f"{API}/customer_phone_numbers/42.json", status=404, json={})

        with pytest.raises(InvocaNotFound):
            client.delete_destination(42)
        assert sleeps == []

    def test_429_honours_retry_after(self, client, ordered, sleeps):
        ordered.get(f"{API}/advertisers.json", status=429, headers={"Retry-After": "7"})
        ordered.get(f"{API}/advertisers.json", json=[])

        assert client.list_advertisers() == []
        assert sleeps == [7.0]

    def test_retry_after_is_capped(self, client, ordered, sleeps):
        ordered.get(f"{API}/advertisers.json", status=429, headers={"Retry-After": "3600"})
        ordered.get(f"{API}/advertisers.json", json=[])

        client.list_advertisers()

        assert sleeps == [InvocaClient.RETRY_AFTER_MAX]

    def test_429_without_retry_after_backs_off(self, client, ordered, sleeps):
        ordered.get(f"{API}/advertisers.json", status=429)
        ordered.get(f"{API}/advertisers.json", json=[])

        client.list_advertisers()

        assert sleeps == [0.5]

    def test_429_after_retries_raises_server_error(self, client, ordered, sleeps):
        for _ in range(4):
            ordered.get(f"{API}/advertisers.json", status=429, headers={"Retry-After": "1"})

        with pytest.raises(InvocaServerError) as info:
            client.list_advertisers()

        assert info.value.status == 429
        assert sleeps == [1.0, 1.0, 1.0]

    @pytest.mark.parametrize(
        "failure",
        [
            {"status": 500, "json": {"errors": {"invalid_data": "refer to error handle 1"}}},
            {"status": 429, "headers": {"Retry-After": "1"}},
        ],
    )
    @pytest.mark.parametrize("data", [{"name": "x"}, {"name": "x", "id_from_network": "  "}])
    def test_post_without_id_from_network_is_not_retried(
        self, client, ordered, sleeps, failure, data
    ):
        ordered.post(f"{RING_POOLS}.json", **failure)

        with pytest.raises(InvocaServerError):
            client.create_ring_pool("adv-1", "83", data=data)

        assert len(ordered.calls) == 1
        assert sleeps == []

    def test_post_without_id_from_network_timeout_is_not_retried(self, client, ordered, sleeps):
        ordered.post(f"{RING_POOLS}.json", body=requests.Timeout())

        with pytest.raises(InvocaUnavailable):
            client.create_ring_pool("adv-1", "83", data={"name": "x"})

        assert sleeps == []

    def test_post_with_id_from_network_is_retried(self, client, ordered, sleeps):
        data = {"id_from_network": "13", "name": "tag 1.83", "pool_type": "Custom"}
        ordered.post(f"{RING_POOLS}.json", status=500, json=load("error_500.json"))
        ordered.post(
            f"{RING_POOLS}.json",
            status=201,
            json=ring_pool_body(),
            match=[matchers.json_params_matcher(data)],
        )

        pool = client.create_ring_pool("adv-1", "83", data=data)

        assert pool.id == 555
        assert sleeps == [0.5]

    @pytest.mark.parametrize(
        ("status", "error"),
        [(401, InvocaAuthError), (403, InvocaValidationError), (404, InvocaNotFound)],
    )
    @pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
    def test_client_errors_are_never_retried(self, client, ordered, sleeps, status, error, method):
        url = f"{RING_POOLS}/13.json"
        ordered.add(method, url, status=status, json={"errors": {"invalid_data": "no"}})
        call = {
            "GET": lambda: client.get_ring_pool("adv-1", "83", "13"),
            "PUT": lambda: client.update_ring_pool("adv-1", "83", "13", data={"name": "n"}),
            "DELETE": lambda: client.delete_ring_pool("adv-1", "83", "13"),
        }[method]

        with pytest.raises(error):
            call()

        assert len(ordered.calls) == 1
        assert sleeps == []

    def test_retries_are_logged_without_token(self, client, ordered, caplog):
        ordered.get(DESTINATIONS, body=requests.Timeout())
        ordered.get(DESTINATIONS, json=page_body([], 0))

        with caplog.at_level(logging.DEBUG, logger="invoca_admin.invoca"):
            client.list_destinations()

        assert "attempt 1/4" in caplog.text
        assert "did not answer" in caplog.text
        assert "-> 200" in caplog.text and "attempt 2/4" in caplog.text
        assert TOKEN not in caplog.text


# --- paging -----------------------------------------------------------------------------------


class TestPaging:
    def add_page(self, mock, start, ids, total, limit=100, **params):
        mock.get(
            DESTINATIONS,
            json=page_body(ids, total),
            match=[matchers.query_param_matcher({"start": start, "limit": limit, **params})],
        )

    def test_pages_by_rows_received_when_server_caps_limit(self, client, ordered):
        self.add_page(ordered, 0, range(0, 40), 100)
        self.add_page(ordered, 40, range(40, 80), 100)
        self.add_page(ordered, 80, range(80, 100), 100)
        # No 4th request: start reached recordsTotal (a 4th would fail under OrderedRegistry).

        pages = list(client.iter_destination_pages(page_size=100))

        assert [(page.start, len(page.rows), page.total) for page in pages] == [
            (0, 40, 100),
            (40, 40, 100),
            (80, 20, 100),
        ]
        assert len(ordered.calls) == 3

    def test_stops_on_an_empty_page_even_if_total_says_more(self, client, ordered):
        self.add_page(ordered, 0, range(0, 40), 1000)
        self.add_page(ordered, 40, [], 1000)

        pages = list(client.iter_destination_pages())

        assert [len(page.rows) for page in pages] == [40]

    def test_empty_network_yields_one_empty_page(self, client, ordered):
        self.add_page(ordered, 0, [], 0)

        pages = list(client.iter_destination_pages())

        assert pages == [DestinationPage(rows=(), total=0, start=0)]

    def test_iter_destinations_passes_filters_and_flattens(self, client, ordered):
        params = {"status": "tracked", "query": "202"}
        self.add_page(ordered, 0, [1, 2], 3, limit=2, **params)
        self.add_page(ordered, 2, [3], 3, limit=2, **params)

        rows = list(client.iter_destinations(page_size=2, status="tracked", query="202"))

        assert [row.id for row in rows] == [1, 2, 3]

    def test_page_size_must_be_positive(self, client):
        with pytest.raises(ValueError):
            next(client.iter_destination_pages(page_size=0))


# --- parsing ----------------------------------------------------------------------------------


class TestTypes:
    def test_documented_destination_list(self):
        page = DestinationPage.from_api(load("destinations_list.json"))
        tracked, untracked = page.rows

        assert page.total == 2 and page.start == 0
        assert tracked.id == "value"  # the documented example literally says "value"
        assert tracked.phone_number == "202-555-0001"
        assert tracked.primary_url == ""
        assert tracked.created_at == datetime(2023, 10, 19, 3, 34, 42, tzinfo=PDT)
        assert tracked.created_at.utcoffset() == timedelta(hours=-7)
        assert tracked.created_at == datetime(2023, 10, 19, 10, 34, 42, tzinfo=UTC)
        assert tracked.acknowledged_at is None
        assert tracked.ignored_at is None
        assert tracked.notified_at is None
        assert tracked.advertiser_campaign == CampaignRef(
            "83", "My test campaign 1 - New York", "Activated"
        )
        assert tracked.dynamic_number_pool == PoolRef(
            id_from_network="13",
            name="tag 1.83",
            pool_type="Custom",
            destination_type="Advertiser",
            lifetime_seconds=300,
            max_pool_size=2,
            preferred=False,
            is_first_preference=True,
            use_custom_data=True,
        )
        assert tracked.status == "tracked"

        assert untracked.dynamic_number_pool is None
        assert untracked.status == "discovered"
        assert untracked.updated_at == datetime(2023, 10, 19, 3, 54, 56, tzinfo=PDT)

    def test_ignored_status(self):
        row = load("destinations_list.json")["data"][1]
        row["ignored_at"] = "2024-01-02 10:00:00 +0000"

        destination = Destination.from_api(row)

        assert destination.status == "ignored"
        assert destination.ignored_at == datetime(2024, 1, 2, 10, tzinfo=UTC)

    def test_missing_nested_objects_are_none(self):
        destination = Destination.from_api({"id": 5, "phone_number": "202-555-0005"})

        assert destination.advertiser_campaign is None
        assert destination.dynamic_number_pool is None
        assert destination.created_at is None
        assert destination.status == "discovered"

    @pytest.mark.parametrize(
        "text",
        [
            "2023-10-19 03:34:42 -0700",
            "2023-10-19T03:34:42-07:00",
            "2023-10-19T10:34:42Z",
            "2023-10-19T10:34:42.000+00:00",
            "2023-10-19 10:34:42 UTC",
            "2023-10-19T10:34:42",  # no offset: taken as UTC
        ],
    )
    def test_timestamps_become_aware(self, text):
        parsed = Destination.from_api({"created_at": text}).created_at
        assert parsed.tzinfo is not None
        assert parsed == datetime(2023, 10, 19, 10, 34, 42, tzinfo=UTC)

    def test_unparseable_timestamp_is_none_and_raw_kept(self):
        destination = Destination.from_api({"created_at": "yesterday"})
        assert destination.created_at is None
        assert destination.raw["created_at"] == "yesterday"

    def test_ids_are_coerced(self):
        row = destination_row(1)
        row["id"] = "42"
        row["dynamic_number_pool"]["id_from_network"] = 13
        row["advertiser_campaign"]["id_from_network"] = 83

        destination = Destination.from_api(row)

        assert destination.id == 42
        assert destination.dynamic_number_pool.id_from_network == "13"
        assert destination.advertiser_campaign.id_from_network == "83"

    def test_unknown_keys_ignored_and_raw_kept_out_of_compare_and_repr(self):
        row = destination_row(1)
        row["brand_new_field"] = {"x": 1}

        destination = Destination.from_api(row)

        assert destination.raw["brand_new_field"] == {"x": 1}
        assert "brand_new_field" not in repr(destination)
        assert destination == Destination.from_api(destination_row(1))

    def test_dataclasses_are_frozen(self):
        destination = Destination.from_api(destination_row(1))
        with pytest.raises(dataclasses.FrozenInstanceError):
            destination.phone_number = "x"

    def test_ring_pool_from_get_shape(self):
        pool = RingPool.from_api(ring_pool_body())

        assert pool.id == 555
        assert pool.id_from_network == "13"
        assert pool.object_url == "https://acme.invoca.net/a/ring_pools/555"
        assert pool.params == ("gclid",) + (None,) * 9
        assert pool.fill_immediately is False
        assert pool.allow_overflow is True
        assert pool.local_center is None
        assert pool.tn_prefix_whitelist is None
        assert pool.customer_phone_numbers == (LinkedDestination("2025550001", "abc123"),)
        assert pool.default_customer_phone_number == LinkedDestination("2025550001", "abc123")
        assert pool.default_customer_phone_number.digits == "2025550001"

    def test_string_booleans_and_ints_are_coerced(self):
        pool = RingPool.from_api(
            ring_pool_body(
                id="555",
                preferred="true",
                is_first_preference="false",
                fill_immediately="1",
                max_pool_size="3",
                lifetime_seconds="300",
                param10=7,
            )
        )

        assert pool.id == 555
        assert pool.preferred is True
        assert pool.is_first_preference is False
        assert pool.fill_immediately is True
        assert pool.max_pool_size == 3
        assert pool.lifetime_seconds == 300
        assert pool.params[9] == "7"

    def test_nulls_are_kept(self):
        pool = RingPool.from_api(
            {"name": None, "preferred": None, "max_pool_size": None, "customer_phone_numbers": None}
        )
        assert pool.name is None
        assert pool.preferred is None
        assert pool.max_pool_size is None
        assert pool.customer_phone_numbers == ()
        assert pool.default_customer_phone_number is None

    def test_advertiser_and_campaign(self):
        advertiser = Advertiser.from_api(
            {"id": "9", "id_from_network": 1, "name": "Acme", "approval_status": "Approved"}
        )
        campaign = Campaign.from_api({"id": 3, "id_from_network": "83", "status": "Activated"})

        assert advertiser == Advertiser(9, "1", "Acme", "Approved")
        assert campaign == Campaign(3, "83", None, "Activated")


# --- endpoints --------------------------------------------------------------------------------


class TestEndpoints:
    def test_get_destination(self, client, rsps):
        rsps.get(f"{API}/customer_phone_numbers/42.json", json=destination_row(42))

        destination = client.get_destination(42)

        assert destination.id == 42
        assert destination.status == "tracked"

    def test_delete_destination(self, client, rsps):
        rsps.delete(
            f"{API}/customer_phone_numbers/42.json",
            json={},
            match=[matchers.header_matcher({"Authorization": TOKEN})],
        )

        assert client.delete_destination(42) is None

    def test_list_advertisers_and_campaigns(self, client, rsps):
        rsps.get(
            f"{API}/advertisers.json",
            json=[
                {"id": 1, "id_from_network": "adv-1", "name": "A", "approval_status": "Approved"}
            ],
        )
        rsps.get(
            f"{API}/advertisers/adv-1/advertiser_campaigns.json",
            json=[{"id_from_network": "83", "name": "NY", "status": "Activated", "extra": 1}],
        )

        (advertiser,) = client.list_advertisers()
        (campaign,) = client.list_campaigns(advertiser.id_from_network)

        assert advertiser.id_from_network == "adv-1"
        assert campaign == Campaign(None, "83", "NY", "Activated")

    def test_list_and_get_ring_pools(self, client, rsps):
        rsps.get(
            f"{RING_POOLS}.json", json=[ring_pool_body(), ring_pool_body(id_from_network="14")]
        )
        rsps.get(f"{RING_POOLS}/13.json", json=ring_pool_body())

        pools = client.list_ring_pools("adv-1", "83")
        pool = client.get_ring_pool("adv-1", "83", "13")

        assert [p.id_from_network for p in pools] == ["13", "14"]
        assert pool == pools[0]

    def test_create_local_ring_pool_answering_empty_body(self, client, rsps):
        body = load("ring_pool_local_request.json")
        rsps.post(
            f"{RING_POOLS}.json", status=200, json={}, match=[matchers.json_params_matcher(body)]
        )

        pool = client.create_ring_pool("adv-1", "83", data=body)

        assert isinstance(pool, RingPool)
        assert pool.id is None  # only Invoca knows it; fetch the pool again to learn it
        assert pool.name == "India DNP"
        assert pool.preferred is True
        assert pool.max_pool_size == 3
        assert pool.params[0] == "gclid"
        assert pool.local_center == {"latitude": 45, "longitude": 45}
        assert pool.tn_prefix_whitelist == ("455",)
        assert pool.raw["tracking_url"] == "https://www.invoca.com"

    def test_create_ring_pool_201_reply_wins_over_request(self, client, rsps):
        rsps.post(f"{RING_POOLS}.json", status=201, json=ring_pool_body(max_pool_size=2))

        pool = client.create_ring_pool("adv-1", "83", data={"name": "tag 1.83", "max_pool_size": 5})

        assert pool.id == 555
        assert pool.max_pool_size == 2

    def test_create_ring_pool_invalid_local_center(self, client, rsps):
        body = load("ring_pool_local_bad_key_request.json")
        rsps.post(
            f"{RING_POOLS}.json",
            status=403,
            json=load("error_403_invalid_local_center.json"),
            match=[matchers.json_params_matcher(body)],
        )

        with pytest.raises(InvocaValidationError) as info:
            client.create_ring_pool("adv-1", "83", data=body)

        assert info.value.non_field_message == "Invalid Key in Local Center."

    def test_update_ring_pool_with_empty_reply(self, client, rsps):
        data = {"name": "renamed", "max_pool_size": 4}
        rsps.put(f"{RING_POOLS}/13.json", body="", match=[matchers.json_params_matcher(data)])

        pool = client.update_ring_pool("adv-1", "83", "13", data=data)

        assert (pool.id_from_network, pool.name, pool.max_pool_size) == ("13", "renamed", 4)

    def test_delete_ring_pool_keeps_destinations_by_default(self, client, rsps):
        rsps.delete(f"{RING_POOLS}/13.json", json={}, match=[matchers.query_param_matcher({})])

        assert client.delete_ring_pool("adv-1", "83", "13") is None

    def test_delete_ring_pool_with_its_destinations(self, client, rsps):
        rsps.delete(
            f"{RING_POOLS}/13.json",
            json={},
            match=[matchers.query_param_matcher({"delete_detected_phone_number": "true"})],
        )

        client.delete_ring_pool("adv-1", "83", "13", delete_detected_phone_number=True)

        assert "delete_detected_phone_number=true" in rsps.calls[0].request.url

    def test_blank_id_in_path_is_refused(self, client):
        with pytest.raises(ValueError):
            client.get_ring_pool("adv-1", "83", " ")


# --- errors -----------------------------------------------------------------------------------


class TestErrors:
    def test_hierarchy_and_fields(self):
        for cls in (
            InvocaNotConfigured,
            InvocaAuthError,
            InvocaValidationError,
            InvocaNotFound,
            InvocaServerError,
            InvocaUnavailable,
        ):
            assert issubclass(cls, InvocaError)
        error = InvocaError("Plain words.", 418, {"a": 1})
        assert (str(error), error.message, error.status, error.payload) == (
            "Plain words.",
            "Plain words.",
            418,
            {"a": 1},
        )
        assert InvocaValidationError("x").field_errors == {}
        assert InvocaServerError("x").error_handle is None
        assert InvocaUnavailable("x").timed_out is False


# --- construction from Django settings --------------------------------------------------------


class TestGetClient:
    """Needs pytest-django's ``settings`` fixture (skipped under ``-p no:django``)."""

    @pytest.fixture
    def configured(self, django_settings):
        django_settings.INVOCA_API_URL = HOST
        django_settings.INVOCA_NETWORK_ID = NETWORK
        django_settings.INVOCA_API_TOKEN = TOKEN
        django_settings.INVOCA_API_VERSION = "2022-08-01"
        django_settings.INVOCA_CONNECT_TIMEOUT = 2.0
        django_settings.INVOCA_READ_TIMEOUT = 12.0
        return django_settings

    def test_builds_from_settings(self, configured, rsps):
        rsps.get(
            f"{API}/advertisers.json",
            json=[],
            match=[matchers.header_matcher({"Authorization": TOKEN})],
        )

        with get_client() as client:
            assert (client.connect_timeout, client.read_timeout) == (2.0, 12.0)
            assert client.list_advertisers() == []

        assert rsps.calls[0].request.req_kwargs["timeout"] == (2.0, 12.0)
        assert is_configured() is True

    def test_optional_settings_have_defaults(self, configured):
        del configured.INVOCA_API_VERSION
        del configured.INVOCA_CONNECT_TIMEOUT
        del configured.INVOCA_READ_TIMEOUT

        client = get_client()

        assert client.api_version == "2022-08-01"
        assert (client.connect_timeout, client.read_timeout) == (5.0, 30.0)

    def test_a_new_client_each_time(self, configured):
        assert get_client() is not get_client()

    @pytest.mark.parametrize(
        ("blank", "named"),
        [
            (["INVOCA_API_URL"], "INVOCA_API_URL"),
            (["INVOCA_API_TOKEN"], "INVOCA_API_TOKEN"),
            (["INVOCA_NETWORK_ID", "INVOCA_API_TOKEN"], "INVOCA_NETWORK_ID, INVOCA_API_TOKEN"),
        ],
    )
    def test_missing_settings_raise_not_configured(self, configured, blank, named):
        for name in blank:
            setattr(configured, name, "")

        with pytest.raises(InvocaNotConfigured) as info:
            get_client()

        assert f"set {named} in the environment" in info.value.message
        assert TOKEN not in info.value.message
        assert is_configured() is False

    def test_absent_settings_raise_not_configured(self, configured):
        del configured.INVOCA_API_URL
        del configured.INVOCA_NETWORK_ID
        del configured.INVOCA_API_TOKEN

        with pytest.raises(InvocaNotConfigured, match="INVOCA_API_URL"):
            get_client()
