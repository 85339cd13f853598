"""Ring pool pages: list, detail, create (incl. Track), edit and delete."""

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from responses import matchers

from invoca_admin.models import AuditEntry
from ringpools.models import RingPool

from .conftest import (
    POOLS,
    load,
    make_advertiser,
    make_campaign,
    make_destination,
    make_pool,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = "Pool <img src=x onerror=alert('rp')> & \"Co\""


def post_data(**changes) -> dict:
    data = {
        "advertiser": "1",
        "campaign": "101",
        "id_from_network": "gads-sb-01",
        "name": "Google Ads SB",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "max_pool_size": "2",
        "allow_overflow": "on",
        "search_radius_miles": "240",
        "restrict_search_to_state": "on",
        "allocation_fallback_strategy": "UseTollFree",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def reply(**changes) -> dict:
    data = {
        "id": 77,
        "id_from_network": "gads-sb-01",
        "name": "Google Ads SB",
        "object_url": "https://acme.invoca.net/a/ring_pools/77",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "max_pool_size": 2,
        "allow_overflow": True,
        "customer_phone_numbers": [],
    }
    data.update(changes)
    return data


def html(response) -> str:
    return response.content.decode()


# --- list ---------------------------------------------------------------------------------------


@pytest.fixture
def listed(campaign):
    other = make_campaign(make_advertiser("2", "Zeta Travel"), "201", "Travel")
    make_pool(campaign, "1001", "Alpha", max_pool_size=3)
    local = make_pool(campaign, "1002", HOSTILE, max_pool_size=9, is_local=True)
    make_pool(other, "2001", "Charlie", max_pool_size=1)
    make_destination(9, campaign=campaign, pool=local)
    return campaign, other


class TestList:
    def test_full_page(self, editor_client, listed):
        response = editor_client.get("/ringpools/")
        body = html(response)
        assert response.status_code == 200
        assert "<html" in body
        assert 'id="ringpool-table"' in body
        assert "Alpha" in body and "Charlie" in body
        assert ">Local</span>" in body
        assert "New ring pool" in body
        assert "3 ring pools" in body

    def test_hostile_names_are_escaped(self, editor_client, listed):
        body = html(editor_client.get("/ringpools/"))
        assert "<img src=x" not in body
        assert "&lt;img src=x onerror=alert(&#x27;rp&#x27;)&gt;" in body

    def test_partial(self, editor_client, listed):
        response = editor_client.get("/ringpools/?query=alp", **HTMX)
        body = html(response)
        assert "<html" not in body
        assert body.lstrip().startswith('<div id="ringpool-table"')
        assert "Alpha" in body and "Charlie" not in body
        # The filter's campaign select and sort state follow, out of band.
        assert 'id="filter-campaign" data-markup-selection hx-swap-oob="innerHTML"' in body
        assert 'id="ringpool-list-state" hidden hx-swap-oob="true"' in body

    def test_history_restore_gets_the_full_page(self, editor_client, listed):
        response = editor_client.get(
            "/ringpools/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
        )
        assert "<html" in html(response)

    def test_filter_by_advertiser_and_campaign(self, editor_client, listed):
        campaign, other = listed
        body = html(editor_client.get("/ringpools/?advertiser=2"))
        assert "Charlie" in body and "Alpha" not in body
        body = html(editor_client.get("/ringpools/?advertiser=1&campaign=101"))
        assert "Alpha" in body and "Charlie" not in body

    def test_campaign_select_follows_the_advertiser(self, editor_client, listed):
        body = html(editor_client.get("/ringpools/?advertiser=2", **HTMX))
        select = body[body.index('id="filter-campaign"') :]
        assert 'value="201"' in select and 'value="101"' not in select

    def test_a_campaign_of_another_advertiser_is_dropped_and_the_url_says_so(
        self, editor_client, listed
    ):
        response = editor_client.get(
            "/ringpools/?advertiser=2&campaign=101&query=&sort_by=name&per_page=25", **HTMX
        )
        assert "Charlie" in html(response)
        assert response.headers["HX-Push-Url"] == "/ringpools/?advertiser=2"

    def test_sort_arrows_and_links(self, editor_client, listed):
        body = html(editor_client.get("/ringpools/?sort_by=max_pool_size&sort_dir=desc"))
        assert body.index("Charlie") > body.index("Alpha")
        assert 'aria-sort="descending"' in body
        assert "▼" in body
        assert "sort_by=max_pool_size&amp;sort_dir=asc" in body
        assert "sort_by=name&amp;sort_dir=asc" in body

    @pytest.mark.parametrize(
        "query",
        [
            "sort_by=DROP+TABLE&sort_dir=up",
            "page=-1",
            "page=abc",
            "page=99999",
            "per_page=0",
            "per_page=abc",
            "advertiser=nope&campaign=nope",
            "campaign=" + "9" * 200,
            "query=" + "%01" * 3,  # NUL itself is a 400 (invoca_admin.core.middleware)
            "query=" + "x" * 5000,
            "advertiser=%F0%9F%9A%80",
        ],
    )
    def test_bad_params_fall_back(self, editor_client, listed, query):
        response = editor_client.get(f"/ringpools/?{query}")
        assert response.status_code == 200
        assert 'id="ringpool-table"' in html(response)

    def test_pages(self, editor_client, campaign):
        for n in range(30):
            make_pool(campaign, f"p{n:02d}", f"Pool {n:02d}")
        body = html(editor_client.get("/ringpools/"))
        assert "Page 1 of 2" in body and "Pool 24" in body and "Pool 25" not in body
        body = html(editor_client.get("/ringpools/?page=2"))
        assert "Pool 25" in body and "Pool 24" not in body
        assert "Page 2 of 2" in html(editor_client.get("/ringpools/?page=99"))
        body = html(editor_client.get("/ringpools/?per_page=50"))
        assert "Pool 29" in body and "Page 1 of" not in body

    def test_no_n_plus_one(self, editor_client, campaign):
        make_pool(campaign, "one", "One")
        with CaptureQueriesContext(connection) as few:
            editor_client.get("/ringpools/")
        for n in range(20):
            other = make_campaign(make_advertiser(f"a{n}", f"Adv {n}"), f"c{n}", f"Camp {n}")
            make_pool(other, f"x{n}", f"Pool {n}")
        with CaptureQueriesContext(connection) as many:
            editor_client.get("/ringpools/")
        assert len(many) == len(few)

    def test_empty_states(self, editor_client, db):
        assert "No ring pools in the cache" in html(editor_client.get("/ringpools/"))
        assert "No ring pools match" in html(editor_client.get("/ringpools/?query=zzz"))

    def test_viewer_sees_no_create_button(self, viewer_client, listed):
        body = html(viewer_client.get("/ringpools/"))
        assert "Alpha" in body
        assert "New ring pool" not in body

    def test_needs_login(self, client, db):
        assert client.get("/ringpools/").status_code == 302


# --- detail -------------------------------------------------------------------------------------


@pytest.fixture
def local_pool(campaign):
    payload = {
        "id": 77,
        "param1": "gclid",
        "param10": "tenth",
        "test_click_url": "https://sandbox.invoca.net/c/1?test=1",
        "sample_api_url": "https://sandbox.invoca.net/api/1/allocate",
        "local_center": {"tn_prefix": "", "zipcode": "", "latitude": 34.42, "longitude": -119.7},
        "local_number_preferences": {
            "search_radius_miles": 50,
            "restrict_search_to_state": False,
            "allocation_fallback_strategy": "Wait",
        },
        "tn_prefix_whitelist": ["805", "213"],
        "customer_phone_numbers": [
            {"destination_phone_number": "8055550501", "js_tag": {"obfuscated_tag_id": "ab12"}}
        ],
    }
    pool = make_pool(
        campaign,
        "1001",
        "Local SB",
        payload=payload,
        is_local=True,
        object_url="https://acme.invoca.net/a/ring_pools/77",
        fill_immediately=True,
    )
    make_destination(501, "805-555-0501", campaign=campaign, pool=pool)
    make_destination(502, "805-555-0502", campaign=campaign, pool=pool)
    AuditEntry.objects.create(
        action="ring_pool.create",
        target_type="ring_pool",
        target_id="1001",
        target_scope="101",
        detail="Created.",
    )
    return pool


class TestDetail:
    def test_everything_is_shown(self, editor_client, local_pool):
        body = html(editor_client.get(f"/ringpools/{local_pool.pk}/"))
        assert "Local SB" in body
        assert "allocates local numbers near the centre in about ten minutes" in body
        assert "Latitude <strong>34.42</strong>, longitude <strong>-119.7</strong>" in body
        assert "50 miles" in body and "Wait for local numbers" in body
        assert ">805</span>" in body and ">213</span>" in body
        assert "gclid" in body and "tenth" in body
        assert "https://sandbox.invoca.net/c/1?test=1" in body
        assert "https://sandbox.invoca.net/api/1/allocate" in body
        assert "805-555-0501" in body and "805-555-0502" in body and "ab12" in body
        invoca_link = 'href="https://acme.invoca.net/a/ring_pools/77" target="_blank"'
        assert f'{invoca_link} rel="noopener noreferrer"' in body
        assert "ring_pool.create" in body and "Created." in body
        assert f'href="/ringpools/{local_pool.pk}/edit/"' in body
        assert f'href="/ringpools/{local_pool.pk}/delete/"' in body

    def test_links_to_the_destinations(self, editor_client, local_pool):
        body = html(editor_client.get(f"/ringpools/{local_pool.pk}/"))
        assert 'href="/destinations/501/"' in body and 'href="/destinations/502/"' in body

    def test_not_local(self, editor_client, pool):
        body = html(editor_client.get(f"/ringpools/{pool.pk}/"))
        assert "Not a Local RingPool" in body
        assert "No destinations are linked" in body

    def test_viewer_sees_no_buttons(self, viewer_client, local_pool):
        body = html(viewer_client.get(f"/ringpools/{local_pool.pk}/"))
        assert "Local SB" in body
        assert "/edit/" not in body and "/delete/" not in body

    def test_missing(self, editor_client, db):
        assert editor_client.get("/ringpools/999/").status_code == 404


# --- create -------------------------------------------------------------------------------------


class TestCreate:
    def test_viewer_is_forbidden(self, viewer_client, campaign):
        assert viewer_client.get("/ringpools/new/").status_code == 403
        assert viewer_client.post("/ringpools/new/", post_data()).status_code == 403
        assert not RingPool.objects.exists()

    def test_form(self, editor_client, campaign):
        response = editor_client.get("/ringpools/new/")
        body = html(response)
        assert response.status_code == 200 and "<html" in body
        assert 'value="1"' in body and "Acme Home Services" in body
        assert "Choose an advertiser first" in body
        assert "Your own id for the pool" in body
        assert 'name="max_pool_size" value="2"' in body
        assert 'id="id_allow_overflow" checked>' in body
        assert "cannot be changed after the pool is created" in body
        assert '<details class="rp-details" >' in body  # params folded away
        assert 'id="local-ringpool" >' in body  # Local folded away

    def test_campaign_options(self, editor_client, campaign):
        make_campaign(make_advertiser("2", "Other"), "201", "Elsewhere")
        response = editor_client.get("/ringpools/new/campaigns/?advertiser=1", **HTMX)
        body = html(response)
        assert "<html" not in body
        assert body.lstrip().startswith('<div class="field" id="campaign-field">')
        assert "Brand Search" in body and "Elsewhere" not in body
        body = html(editor_client.get("/ringpools/new/campaigns/?advertiser=nope", **HTMX))
        assert "This advertiser has no campaigns" in body

    def test_track_prefills_number_campaign_and_advertiser(self, editor_client, campaign):
        make_destination(42, "805-555-0142", campaign=campaign)
        body = html(editor_client.get("/ringpools/new/?destination=42"))
        assert 'value="805-555-0142"' in body
        assert '<option value="1" selected>' in body
        assert '<option value="101" selected>' in body
        assert "Track 805-555-0142" in body
        assert 'action="/ringpools/new/?destination=42"' in body

    def test_track_unknown_destination(self, editor_client, campaign):
        body = html(editor_client.get("/ringpools/new/?destination=abc"))
        assert "is not in the cache" in body

    def test_invalid_is_not_sent(self, editor_client, campaign, invoca_mock):
        response = editor_client.post(
            "/ringpools/new/", post_data(max_pool_size="0", tn_prefix_whitelist="805"), **HTMX
        )
        body = html(response)
        assert response.status_code == 200
        assert "<html" not in body and body.lstrip().startswith('<form id="ringpool-form"')
        assert "Please correct the fields marked below. Nothing was sent to Invoca yet." in body
        assert 'id="local-ringpool" open' in body

    def test_field_errors_from_invoca(self, configured, editor_client, campaign, invoca_mock):
        invoca_mock.post(f"{POOLS}.json", status=403, json=load("error_403_fields.json"))
        response = editor_client.post("/ringpools/new/", post_data(), **HTMX)
        body = html(response)
        assert response.status_code == 200
        assert body.count("Invoca says: Can&#x27;t be blank") == 2
        assert "Invoca refused the ring pool: see the fields marked below." in body
        assert 'id="id_name_error"' in body and 'id="id_pool_type_error"' in body
        assert 'value="gads-sb-01"' in body  # input kept
        assert AuditEntry.objects.get().outcome == "failed"

    def test_single_message_from_invoca(self, configured, editor_client, campaign, invoca_mock):
        invoca_mock.post(
            f"{POOLS}.json", status=403, json=load("error_403_invalid_local_center.json")
        )
        response = editor_client.post(
            "/ringpools/new/", post_data(centre_by="coords", latitude="45", longitude="45"), **HTMX
        )
        body = html(response)
        assert response.status_code == 200
        assert (
            '<div class="form-errors" role="alert" id="ringpool-form-errors" tabindex="-1">' in body
        )
        assert "Invoca refused the ring pool: Invalid Key in Local Center." in body
        assert 'name="latitude" value="45' in body

    def test_server_error_with_handle(self, configured, editor_client, campaign, invoca_mock):
        for _ in range(4):
            invoca_mock.post(f"{POOLS}.json", status=500, json=load("error_500.json"))
        response = editor_client.post("/ringpools/new/", post_data(name="Kept name"), **HTMX)
        body = html(response)
        assert response.status_code == 200
        assert "error handle 1228118400" in body
        assert "Nothing was created" in body
        assert 'value="Kept name"' in body

    def test_timeout(self, configured, editor_client, campaign, invoca_mock):
        for _ in range(4):
            invoca_mock.post(f"{POOLS}.json", body=requests.Timeout())
        response = editor_client.post("/ringpools/new/", post_data(name="Kept name"))
        body = html(response)
        assert response.status_code == 200 and "<html" in body
        assert "Invoca did not answer within" in body
        assert 'value="Kept name"' in body

    def test_auth_error(self, configured, editor_client, campaign, invoca_mock):
        invoca_mock.post(f"{POOLS}.json", status=401, json={"errors": {"class": "NotAuthorized"}})
        body = html(editor_client.post("/ringpools/new/", post_data(), **HTMX))
        assert "Invoca rejected the API token (401)" in body

    def test_not_configured(self, editor_client, campaign):
        body = html(editor_client.post("/ringpools/new/", post_data(), **HTMX))
        assert "Invoca is not configured" in body

    def test_success_htmx(self, configured, editor_client, campaign, invoca_mock):
        invoca_mock.post(f"{POOLS}.json", status=201, json=reply())
        response = editor_client.post("/ringpools/new/", post_data(), **HTMX)
        pool = RingPool.objects.get(id_from_network="gads-sb-01")
        assert response.status_code == 200
        assert response.headers["HX-Redirect"] == f"/ringpools/{pool.pk}/"
        body = html(editor_client.get(f"/ringpools/{pool.pk}/"))
        assert "Ring pool “Google Ads SB” created." in body

    def test_success_local(self, configured, editor_client, campaign, invoca_mock):
        invoca_mock.post(
            f"{POOLS}.json",
            status=200,
            json=reply(local_center={"zipcode": "93101"}),
            match=[
                matchers.json_params_matcher(
                    {
                        "local_center": {"zipcode": "93101"},
                        "local_number_preferences": {
                            "search_radius_miles": 240,
                            "restrict_search_to_state": True,
                            "allocation_fallback_strategy": "UseTollFree",
                        },
                        "tn_prefix_whitelist": ["805"],
                    },
                    strict_match=False,
                )
            ],
        )
        response = editor_client.post(
            "/ringpools/new/",
            post_data(centre_by="zip", zipcode="93101", tn_prefix_whitelist="805"),
        )
        pool = RingPool.objects.get()
        assert response.status_code == 302 and response.url == f"/ringpools/{pool.pk}/"
        body = html(editor_client.get(response.url))
        assert "local numbers; this takes about ten minutes" in body

    def test_csrf(self, editor, campaign):
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        assert client.post("/ringpools/new/", post_data()).status_code == 403


# --- edit ---------------------------------------------------------------------------------------


def edit_data(**changes) -> dict:
    data = {
        "name": "Renamed",
        "pool_type": "Search",
        "destination_type": "API",
        "max_pool_size": "4",
        "lifetime_seconds": "600",
    }
    data.update(changes)
    return data


class TestEdit:
    def test_viewer_is_forbidden(self, viewer_client, pool):
        assert viewer_client.get(f"/ringpools/{pool.pk}/edit/").status_code == 403
        assert viewer_client.post(f"/ringpools/{pool.pk}/edit/", edit_data()).status_code == 403

    def test_form(self, editor_client, local_pool):
        body = html(editor_client.get(f"/ringpools/{local_pool.pk}/edit/"))
        assert '<code>1001</code> <span class="muted">(cannot be changed)</span>' in body
        assert (
            'name="allow_overflow" disabled' in body and 'id="id_allow_overflow" checked>' in body
        )
        assert 'name="id_from_network"' not in body and 'name="advertiser"' not in body
        assert "set at creation; read-only here" in body
        assert "Latitude 34.42, longitude -119.7" in body
        assert 'name="param1" value="gclid"' in body
        assert 'name="centre_by"' not in body

    def test_saves(self, configured, editor_client, pool, invoca_mock):
        invoca_mock.put(
            f"{POOLS}/1001.json",
            json=reply(id=5, id_from_network="1001", name="Renamed", max_pool_size=4),
            match=[
                matchers.json_params_matcher(
                    # Only what the user changed: no blank params, URL or booleans.
                    {
                        "name": "Renamed",
                        "pool_type": "Search",
                        "destination_type": "API",
                        "lifetime_seconds": 600,
                        "max_pool_size": 4,
                    }
                )
            ],
        )
        response = editor_client.post(
            f"/ringpools/{pool.pk}/edit/", edit_data(allow_overflow=""), **HTMX
        )
        assert response.headers["HX-Redirect"] == f"/ringpools/{pool.pk}/"
        pool.refresh_from_db()
        assert (pool.name, pool.max_pool_size) == ("Renamed", 4)
        assert AuditEntry.objects.get().action == "ring_pool.update"

    def test_nothing_changed_sends_nothing(self, configured, editor_client, pool, invoca_mock):
        unchanged = edit_data(
            name=pool.name,
            pool_type=pool.pool_type,
            destination_type=pool.destination_type,
            max_pool_size=str(pool.max_pool_size),
            lifetime_seconds=str(pool.lifetime_seconds),
            allow_overflow="on",
        )
        response = editor_client.post(f"/ringpools/{pool.pk}/edit/", unchanged, follow=True)
        assert "Nothing was changed, so nothing was sent to Invoca." in html(response)
        assert len(invoca_mock.calls) == 0
        assert not AuditEntry.objects.exists()

    def test_allow_overflow_rejection_goes_on_its_field(
        self, configured, editor_client, pool, invoca_mock
    ):
        invoca_mock.put(
            f"{POOLS}/1001.json",
            status=403,
            json={"errors": {"allow_overflow": ["can't be changed after creation"]}},
        )
        body = html(editor_client.post(f"/ringpools/{pool.pk}/edit/", edit_data(), **HTMX))
        assert 'id="id_allow_overflow_error"' in body
        assert "Can&#x27;t be changed after creation" in body
        assert 'value="Renamed"' in body


# --- delete -------------------------------------------------------------------------------------


class TestDelete:
    def test_viewer_is_forbidden(self, viewer_client, pool):
        assert viewer_client.get(f"/ringpools/{pool.pk}/delete/").status_code == 403
        assert viewer_client.post(f"/ringpools/{pool.pk}/delete/").status_code == 403
        assert RingPool.objects.exists()

    def test_confirmation_lists_the_destinations(self, editor_client, local_pool):
        body = html(editor_client.get(f"/ringpools/{local_pool.pk}/delete/"))
        assert "Local SB" in body
        assert "805-555-0501" in body and "805-555-0502" in body
        assert "Also delete these destinations" in body
        assert 'name="delete_detected_phone_number"' in body

    def test_delete_with_destinations(self, configured, editor_client, local_pool, invoca_mock):
        invoca_mock.delete(
            f"{POOLS}/1001.json",
            json={},
            match=[matchers.query_param_matcher({"delete_detected_phone_number": "true"})],
        )
        response = editor_client.post(
            f"/ringpools/{local_pool.pk}/delete/", {"delete_detected_phone_number": "on"}
        )
        assert response.status_code == 302 and response.url == "/ringpools/"
        assert not RingPool.objects.exists()
        body = html(editor_client.get("/ringpools/"))
        assert "Its 2 destinations were deleted too." in body

    def test_delete_keeping_destinations(self, configured, editor_client, local_pool, invoca_mock):
        invoca_mock.delete(f"{POOLS}/1001.json", json={})
        response = editor_client.post(f"/ringpools/{local_pool.pk}/delete/", **HTMX)
        assert response.headers["HX-Redirect"] == "/ringpools/"

    def test_failure_is_shown(self, configured, editor_client, local_pool, invoca_mock):
        for _ in range(4):
            invoca_mock.delete(f"{POOLS}/1001.json", status=500, json=load("error_500.json"))
        response = editor_client.post(
            f"/ringpools/{local_pool.pk}/delete/", {"delete_detected_phone_number": "on"}
        )
        body = html(response)
        assert response.status_code == 200
        assert "error handle 1228118400" in body and "Nothing was deleted" in body
        assert 'value="on" checked' in body
        assert RingPool.objects.exists()
