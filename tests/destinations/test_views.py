"""The destinations list, its actions and the detail page, through Django's test client."""

import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from destinations.models import Destination, IgnoreRecord, Status
from invoca_admin.core.audit import audit_record
from invoca_admin.models import AuditEntry
from ringpools.models import Advertiser, Campaign, RingPool
from tests.html import parse, text

from .conftest import DELETE_URL, ignore_locally, make_destination

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
LIST = "/destinations/"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "invoca"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def html(response) -> str:
    return response.content.decode()


def row_ids(response) -> list[int]:
    rows = parse(response).select('tr[id^="destination-"]')
    return [int(row["id"].removeprefix("destination-")) for row in rows]


def row(response, destination):
    """One row of the table, parsed."""
    return parse(response).select_one(f"tr#destination-{destination.remote_id}")


def tab_count(response, label: str) -> int:
    for tab in parse(response).select("nav.tabs a"):
        count = tab.select_one(".count")
        if tab.contents[0].strip() == label:
            return int(count.get_text().replace(",", ""))
    raise AssertionError(f"no tab {label!r}")


def message_text(response) -> str:
    """The messages an htmx answer carries out of band (swapped into the layout's #messages)."""
    messages = parse(response).select('#messages[hx-swap-oob="true"]')
    # The out-of-band messages come last in the answer.
    return text(messages[-1]) if messages else ""


@pytest.fixture
def rows():
    """Three discovered, one ignored here, one ignored in Invoca, one tracked."""
    made = {
        "a": make_destination("202-555-0101", campaign=("1", "Alpha")),
        "b": make_destination("202-555-0102", campaign=("1", "Alpha")),
        "c": make_destination("303-555-0103", campaign=("2", "Beta")),
        "mine": make_destination("404-555-0104", campaign=("2", "Beta")),
        "theirs": make_destination(
            "505-555-0105", status=Status.IGNORED, ignored_at=timezone.now()
        ),
        "tracked": make_destination("606-555-0106", pool=("13", "Pool 13")),
    }
    ignore_locally(made["mine"])
    return made


# --- the list -----------------------------------------------------------------------------


class TestListPage:
    def test_full_page_has_layout_tabs_search_and_rows(self, editor_client, rows):
        response = editor_client.get(LIST)
        body = html(response)
        assert response.status_code == 200
        assert "<html" in body
        assert tab_count(response, "All") == 6
        assert tab_count(response, "Discovered") == 3
        assert tab_count(response, "Tracked") == 1
        assert tab_count(response, "Ignored") == 2
        assert len(row_ids(response)) == 6
        search = parse(body).select_one('input[type="search"]')
        assert search["hx-trigger"] == "input changed delay:300ms, search"
        form = parse(body).select_one("form#destination-filters")
        assert form["hx-sync"] == "this:replace" and form["hx-push-url"] == "true"
        assert form["hx-target"] == "#destination-table" and form["hx-swap"] == "outerHTML"

    def test_htmx_request_gets_only_the_table(self, editor_client, rows):
        response = editor_client.get(LIST + "?status=discovered", **HX)
        body = html(response)
        assert "<html" not in body
        assert body.lstrip().startswith('<div id="destination-table"')
        assert sorted(row_ids(response)) == sorted(rows[k].remote_id for k in "abc")

    def test_history_restore_gets_the_full_page(self, editor_client, rows):
        response = editor_client.get(
            LIST + "?status=ignored", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX
        )
        assert "<html" in html(response)
        assert sorted(row_ids(response)) == sorted(
            [rows["mine"].remote_id, rows["theirs"].remote_id]
        )

    def test_responses_vary_on_hx_request(self, editor_client, rows):
        assert "HX-Request" in editor_client.get(LIST)["Vary"]
        assert "HX-Request" in editor_client.get(LIST, **HX)["Vary"]

    @pytest.mark.parametrize(
        "query",
        [
            "?sort_by=evil&sort_dir=up",
            "?status=deleted",
            "?per_page=7",
            "?per_page=abc&page=xyz",
            "?page=-1",
            "?page=99999999999999999999999",
            "?campaign=%3Cscript%3E",
            "?query=%01%1f",
            "?query=" + "x" * 5000,
            "?status=&query=&campaign=&sort_by=&sort_dir=&page=&per_page=",
            "?status=ignored&status=tracked",
        ],
    )
    def test_bad_parameters_fall_back_to_defaults(self, editor_client, rows, query):
        response = editor_client.get(LIST + query)
        assert response.status_code == 200
        assert '<div id="destination-table"' in html(response)

    def test_a_nul_character_is_refused_before_the_view(self, editor_client, rows):
        # PostgreSQL cannot compare text holding NUL: invoca_admin.core.middleware answers 400.
        assert editor_client.get(LIST + "?query=%00%01").status_code == 400

    def test_unknown_sort_status_and_page_size_show_the_default_view(self, editor_client, rows):
        default = editor_client.get(LIST)
        odd = editor_client.get(LIST + "?sort_by=secret&status=nope&per_page=13")
        assert row_ids(odd) == row_ids(default)
        assert 'aria-sort="ascending"' in html(odd)

    def test_a_stale_page_beyond_the_end_shows_the_last_page(self, editor_client):
        made = [make_destination(f"202-555-{n:04d}") for n in range(60)]
        response = editor_client.get(LIST + "?per_page=25&page=40")
        assert response.status_code == 200
        assert row_ids(response) == [d.remote_id for d in made[50:]]
        assert text(parse(response).select_one('.pager span[aria-current="page"]')) == "3"

    def test_pages_and_page_size(self, editor_client):
        made = [make_destination(f"202-555-{n:04d}") for n in range(30)]
        response = editor_client.get(LIST + "?per_page=25&page=2")
        assert row_ids(response) == [d.remote_id for d in made[25:]]
        assert "26–30 of 30" in html(response)
        assert '<option value="25" selected>' in html(response)

    def test_search_status_and_campaign_combine(self, editor_client, rows):
        response = editor_client.get(LIST + "?query=(202)+555&status=discovered&campaign=1", **HX)
        assert sorted(row_ids(response)) == sorted([rows["a"].remote_id, rows["b"].remote_id])
        assert tab_count(response, "All") == 2

    def test_sort_headers_toggle_direction_and_keep_the_filters(self, editor_client, rows):
        body = html(editor_client.get(LIST + "?status=discovered&sort_by=created&sort_dir=asc"))
        created = parse(body).select_one('th[aria-sort="ascending"] > a')["href"]
        assert created == "/destinations/?status=discovered&sort_by=created&sort_dir=desc"
        assert "▲" in body
        campaign = parse(body).select_one('a[href*="sort_by=campaign"]')["href"]
        assert campaign == "/destinations/?status=discovered&sort_by=campaign&sort_dir=asc"
        body = html(editor_client.get(LIST + "?sort_by=created&sort_dir=desc"))
        assert 'aria-sort="descending"' in body and "▼" in body

    def test_tabs_and_pages_keep_the_search(self, editor_client):
        for n in range(30):
            make_destination(f"202-555-{n:04d}")
        body = html(editor_client.get(LIST + "?query=555&per_page=25&sort_dir=desc"))
        assert (
            'href="/destinations/?query=555&amp;sort_dir=desc&amp;per_page=25&amp;status=ignored"'
            in body
        )
        assert (
            'href="/destinations/?query=555&amp;sort_dir=desc&amp;per_page=25&amp;page=2"' in body
        )

    def test_empty_state_says_why_and_offers_to_clear_the_search(self, editor_client, rows):
        response = editor_client.get(LIST + "?status=ignored&query=777+01", **HX)
        body = html(response)
        assert "No ignored destinations match “777 01”." in body
        clear = parse(body).find("a", string="Clear the search")
        assert clear["href"] == "/destinations/?status=ignored"

    def test_empty_cache_says_a_sync_is_needed(self, editor_client):
        assert "No destinations in the cache yet." in html(editor_client.get(LIST))

    def test_ignored_rows_say_who_and_when(self, editor_client, editor, rows):
        IgnoreRecord.objects.filter(remote_id=rows["mine"].remote_id).update(ignored_by=editor)
        response = editor_client.get(LIST + "?status=ignored")
        mine = row(response, rows["mine"])
        assert "by editor" in text(mine) and mine.find("button", string="Un-ignore")
        theirs = row(response, rows["theirs"])
        assert "in Invoca" in text(theirs)
        assert "can only be undone in Invoca" in str(theirs)
        unignore = f"/destinations/{rows['theirs'].remote_id}/unignore/"
        assert not theirs.select(f'[hx-post^="{unignore}"]')

    def test_rows_offer_actions_by_status(self, editor_client, rows):
        response = editor_client.get(LIST)
        discovered = row(response, rows["a"])
        assert discovered.select('form[action*="/ignore/"]')
        assert discovered.select('form[action*="/delete/"]')
        assert discovered.select_one(f'a[href="/ringpools/new/?destination={rows["a"].remote_id}"]')
        tracked = row(response, rows["tracked"])
        assert not tracked.select('[action*="/ignore/"], [hx-post*="/ignore/"]')
        assert tracked.select('form[action*="/delete/"]')
        assert not tracked.select('a[href^="/ringpools/new/"]')
        phone = discovered.select_one("a.phone")
        assert (phone["href"], phone.get_text()) == (
            f"/destinations/{rows['a'].remote_id}/",
            "202-555-0101",
        )

    def test_delete_confirmation_names_the_number(self, editor_client, rows):
        body = html(editor_client.get(LIST))
        confirm = "Delete 202-555-0101 (campaign “Alpha”) from Invoca? This cannot be undone."
        assert f'hx-confirm="{confirm}"' in body

    def test_viewer_sees_no_controls(self, viewer_client, rows):
        response = viewer_client.get(LIST)
        body = html(response)
        assert len(row_ids(response)) == 6
        assert 'id="bulk-form"' not in body
        assert "data-select-row" not in body
        # No action on destinations (their own saved views and columns are theirs to keep).
        assert 'hx-post="/destinations/' not in body.split('<div id="destination-table"')[1]

    def test_invoca_data_is_escaped(self, editor_client):
        make_destination(
            "202-555-0199",
            campaign=("9", '<script>alert(1)</script> & "Sons"'),
            pool=("7", "Pool <img src=x onerror=alert('rp')>"),
        )
        body = html(editor_client.get(LIST))
        assert "<script>alert(1)" not in body
        assert "<img src=x" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Sons&quot;" in body

    def test_hostile_values_in_the_rows_attributes_read_back_as_sent(self, editor_client):
        """Escaped once, not twice: the delete dialog, the labels and the titles say exactly
        what Invoca sent."""
        name = "<script>alert(1)</script> & \"Sons\" 'n' co"
        pool_name = "Pool <img src=x onerror=alert('rp')>"
        tracked = make_destination(campaign=("9", name), pool=("7", pool_name))
        discovered = make_destination("<b>202</b>", campaign=("9", name))
        response = editor_client.get(LIST, **HX)
        assert "<script>alert(1)" not in html(response) and "<b>202" not in html(response)
        tracked_row, discovered_row = row(response, tracked), row(response, discovered)
        assert tracked_row.select_one("form[hx-confirm]")["hx-confirm"] == (
            f"Delete {tracked.phone_number} (campaign “{name}”) from Invoca? It is tracked by "
            f"the ring pool “{pool_name}”, which loses this number. This cannot be undone."
        )
        assert [td.get("title") for td in tracked_row.select("td.truncate")] == [name, pool_name]
        checkbox = discovered_row.select_one("input[data-select-row]")
        assert checkbox["aria-label"] == "Select <b>202</b>"
        assert discovered_row.select_one("a.phone").get_text() == "<b>202</b>"
        assert discovered_row.select_one('button[aria-label="Ignore <b>202</b>"]')

    def test_query_count_does_not_grow_with_the_rows(self, editor_client, editor):
        for _ in range(5):
            ignore_locally(make_destination(), user=editor)
        with CaptureQueriesContext(connection) as few:
            editor_client.get(LIST, **HX)
        for _ in range(40):
            ignore_locally(make_destination(), user=editor)
        with CaptureQueriesContext(connection) as many:
            editor_client.get(LIST, **HX)
        assert len(many) == len(few)

    def test_anonymous_users_are_sent_to_log_in(self, client):
        assert client.get(LIST)["Location"].startswith("/accounts/login/")


class TestLiveData:
    def test_the_synced_sandbox_renders_with_hostile_names_escaped(self, editor_client, synced):
        body = html(editor_client.get(LIST + "?per_page=250"))
        assert tab_count(editor_client.get(LIST), "All") == 120
        assert len(row_ids(body)) == 120
        assert "<b>bold</b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
        assert "<img src=x" not in body


# --- row actions --------------------------------------------------------------------------


class TestIgnoreAction:
    def test_htmx_ignore_answers_the_row_tabs_and_message(self, editor_client, rows):
        d = rows["a"]
        response = editor_client.post(
            f"/destinations/{d.remote_id}/ignore/?status=discovered&query=202", **HX
        )
        body = html(response)
        assert response.status_code == 200
        assert "<html" not in body
        assert body.lstrip().startswith(f'<tr id="destination-{d.remote_id}">')
        assert "badge-ignored" in body and "by editor" in body
        assert '<nav id="destination-tabs"' in body and 'hx-swap-oob="true"' in body
        assert tab_count(response, "Ignored") == 1  # counts follow the list's search "202"
        assert "Ignored 202-555-0101" in message_text(response)
        assert Destination.objects.get(pk=d.pk).status == Status.IGNORED
        # The re-rendered row's own actions still carry the list state.
        assert f"/destinations/{d.remote_id}/unignore/?status=discovered&amp;query=202" in body

    def test_the_message_offers_undo_for_the_same_row_and_state(self, editor_client, rows):
        d = rows["a"]
        response = editor_client.post(
            f"/destinations/{d.remote_id}/ignore/?status=discovered&query=202", **HX
        )
        undo = parse(response).select_one('#messages[hx-swap-oob="true"] .message-undo')
        assert (
            undo["hx-post"] == f"/destinations/{d.remote_id}/unignore/?status=discovered&query=202"
        )
        assert undo["hx-target"] == f"#destination-{d.remote_id}"
        assert undo["aria-label"] == "Undo: Un-ignore 202-555-0101"
        again = editor_client.post(undo["hx-post"], **HX)
        assert Destination.objects.get(pk=d.pk).status == Status.DISCOVERED
        redo = parse(again).select_one('#messages[hx-swap-oob="true"] .message-undo')
        assert redo["hx-post"] == f"/destinations/{d.remote_id}/ignore/?status=discovered&query=202"

    def test_the_all_matching_count_follows_an_ignore(self, editor_client):
        made = [make_destination() for _ in range(30)]
        response = editor_client.post(
            f"/destinations/{made[0].remote_id}/ignore/?status=discovered&per_page=25", **HX
        )
        body = html(response)
        assert '<span id="bulk-all" hx-swap-oob="true">' in body
        assert "All 29 matching" in body

    def test_without_js_ignore_redirects_back_to_the_same_view(self, editor_client, rows):
        query = "status=discovered&query=202&sort_by=created&sort_dir=desc&page=2"
        response = editor_client.post(f"/destinations/{rows['a'].remote_id}/ignore/?{query}")
        assert response.status_code == 302
        assert response["Location"] == f"/destinations/?{query}"
        follow = editor_client.get(response["Location"])
        assert "Ignored 202-555-0101" in html(follow)

    def test_unignore_restores_discovered(self, editor_client, rows):
        d = rows["mine"]
        response = editor_client.post(f"/destinations/{d.remote_id}/unignore/", **HX)
        assert "badge-discovered" in html(response)
        assert "is no longer ignored" in message_text(response)
        assert not IgnoreRecord.objects.filter(remote_id=d.remote_id).exists()

    def test_unignore_of_an_invoca_ignore_says_so(self, editor_client, rows):
        response = editor_client.post(f"/destinations/{rows['theirs'].remote_id}/unignore/", **HX)
        assert "badge-ignored" in html(response)
        assert "can only be undone in Invoca" in message_text(response)

    def test_ignore_is_audited(self, editor_client, rows):
        editor_client.post(f"/destinations/{rows['a'].remote_id}/ignore/", **HX)
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.target_id, entry.user.username) == (
            "destination.ignore",
            str(rows["a"].remote_id),
            "editor",
        )

    def test_actions_are_post_only(self, editor_client, rows):
        for action in ("ignore", "unignore", "delete"):
            assert (
                editor_client.get(f"/destinations/{rows['a'].remote_id}/{action}/").status_code
                == 405
            )
        assert editor_client.get("/destinations/bulk/").status_code == 405

    def test_unknown_destination_is_404(self, editor_client):
        assert editor_client.post("/destinations/999999/ignore/", **HX).status_code == 404


class TestPermissionsAndCsrf:
    @pytest.mark.parametrize("action", ["ignore", "unignore", "delete"])
    def test_viewer_gets_403_on_every_row_write(self, viewer_client, rows, action):
        response = viewer_client.post(f"/destinations/{rows['a'].remote_id}/{action}/", **HX)
        assert response.status_code == 403
        assert Destination.objects.count() == 6
        assert not AuditEntry.objects.exists()

    @pytest.mark.parametrize("action", ["ignore", "unignore", "delete", "bogus"])
    def test_viewer_gets_403_on_every_bulk_write(self, viewer_client, rows, action):
        response = viewer_client.post(
            "/destinations/bulk/", {"action": action, "ids": [rows["a"].remote_id]}, **HX
        )
        assert response.status_code == 403
        assert not IgnoreRecord.objects.filter(remote_id=rows["a"].remote_id).exists()

    def test_a_user_who_may_ignore_may_not_bulk_delete(self, client, rows):
        from django.contrib.auth.models import Permission, User

        user = User.objects.create_user("ignorer")
        user.user_permissions.add(Permission.objects.get(codename="change_destination"))
        client.force_login(user)
        response = client.post("/destinations/bulk/", {"action": "delete", "select_all": "1"}, **HX)
        assert response.status_code == 403
        assert Destination.objects.count() == 6

    def test_csrf_is_enforced_on_htmx_writes(self, editor, rows):
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        url = f"/destinations/{rows['a'].remote_id}/ignore/"
        assert client.post(url, **HX).status_code == 403
        assert not IgnoreRecord.objects.filter(remote_id=rows["a"].remote_id).exists()
        page = parse(client.get(LIST))
        token = json.loads(page.body["hx-headers"])["X-CSRFToken"]
        response = client.post(url, HTTP_X_CSRFTOKEN=token, **HX)
        assert response.status_code == 200
        assert IgnoreRecord.objects.filter(remote_id=rows["a"].remote_id).exists()


class TestDeleteAction:
    def test_htmx_delete_answers_the_table_for_the_same_view(
        self, editor_client, rows, invoca_settings, invoca_mock
    ):
        d = rows["a"]
        invoca_mock.delete(DELETE_URL.format(id=d.remote_id), json={})
        response = editor_client.post(
            f"/destinations/{d.remote_id}/delete/?status=discovered&sort_by=created&sort_dir=desc",
            **HX,
        )
        body = html(response)
        assert body.lstrip().startswith('<div id="destination-table"')
        assert d.remote_id not in row_ids(response)
        assert sorted(row_ids(response)) == sorted([rows["b"].remote_id, rows["c"].remote_id])
        assert 'aria-sort="descending"' in body  # still sorted by created, descending
        assert "/destinations/?status=discovered&amp;sort_by=created&amp;sort_dir=asc" in body
        assert tab_count(response, "Discovered") == 2
        assert "Deleted 202-555-0101 from Invoca." in message_text(response)
        assert not Destination.objects.filter(pk=d.pk).exists()

    def test_a_404_from_invoca_counts_as_deleted(
        self, editor_client, rows, invoca_settings, invoca_mock
    ):
        d = rows["a"]
        invoca_mock.delete(
            DELETE_URL.format(id=d.remote_id), status=404, json=fixture("error_404.json")
        )
        response = editor_client.post(f"/destinations/{d.remote_id}/delete/", **HX)
        assert d.remote_id not in row_ids(response)
        assert "already deleted in Invoca" in message_text(response)
        assert not Destination.objects.filter(pk=d.pk).exists()

    def test_a_failure_keeps_the_row_and_shows_the_error_handle(
        self, editor_client, synced, no_retry_wait
    ):
        d = Destination.objects.filter(status=Status.DISCOVERED).first()
        synced.state.fail_rate = 1.0
        response = editor_client.post(f"/destinations/{d.remote_id}/delete/?per_page=250", **HX)
        assert response.status_code == 200
        assert d.remote_id in row_ids(response)
        text = message_text(response)
        assert f"Could not delete {d.phone_number}" in text
        assert re.search(r"error handle \d+", text)
        assert Destination.objects.filter(pk=d.pk).exists()
        entry = AuditEntry.objects.get()
        assert entry.outcome == "failed" and entry.error_handle

    def test_a_mocked_500_keeps_the_row(
        self, editor_client, rows, invoca_settings, invoca_mock, no_retry_wait
    ):
        d = rows["a"]
        invoca_mock.delete(
            DELETE_URL.format(id=d.remote_id), status=500, json=fixture("error_500.json")
        )
        response = editor_client.post(f"/destinations/{d.remote_id}/delete/", **HX)
        assert d.remote_id in row_ids(response)
        assert "error handle 1228118400" in message_text(response)

    def test_without_js_delete_redirects_back_with_the_query_string(
        self, editor_client, rows, invoca_settings, invoca_mock
    ):
        d = rows["a"]
        invoca_mock.delete(DELETE_URL.format(id=d.remote_id), json={})
        response = editor_client.post(f"/destinations/{d.remote_id}/delete/?query=202&page=3")
        assert response["Location"] == "/destinations/?query=202&page=3"
        follow = editor_client.get(response["Location"])
        assert "Deleted 202-555-0101 from Invoca." in html(follow)
        assert row_ids(follow) == [rows["b"].remote_id]  # page 3 is past the end: last page

    def test_delete_from_the_detail_page_returns_to_the_list(
        self, editor_client, rows, invoca_settings, invoca_mock
    ):
        d = rows["a"]
        invoca_mock.delete(DELETE_URL.format(id=d.remote_id), json={})
        response = editor_client.post(
            f"/destinations/{d.remote_id}/delete/", {"next": f"/destinations/{d.remote_id}/"}
        )
        assert response["Location"] == "/destinations/"

    def test_an_unsafe_next_is_ignored(self, editor_client, rows):
        response = editor_client.post(
            f"/destinations/{rows['a'].remote_id}/ignore/?status=ignored",
            {"next": "https://evil.example/"},
        )
        assert response["Location"] == "/destinations/?status=ignored"


# --- bulk ---------------------------------------------------------------------------------


class TestBulk:
    """The bulk bar; the jobs it starts are tested in test_job_views.py."""

    def test_nothing_selected_says_so(self, editor_client, rows):
        response = editor_client.post("/destinations/bulk/", {"action": "ignore"}, **HX)
        assert "Nothing was selected" in message_text(response)

    def test_the_bulk_form_posts_with_the_list_state(self, editor_client, rows):
        body = html(editor_client.get(LIST + "?status=discovered&query=202"))
        form = parse(body).select_one("form#bulk-form")
        assert form["method"] == "post"
        assert form["action"] == "/destinations/bulk/?status=discovered&query=202"
        assert '<input type="hidden" name="query" value="202">' in body
        assert f'name="ids" value="{rows["a"].remote_id}" form="bulk-form"' in body


# --- detail -------------------------------------------------------------------------------


class TestDetail:
    def test_every_field_history_and_actions(self, editor_client, editor, rows):
        d = rows["mine"]
        raw = d.raw
        raw.payload = {
            **raw.payload,
            "carrier_hint": "<b>Verizon</b>",
            "primary_url": "javascript:x",
        }
        raw.save()
        d.primary_url = "javascript:alert(document.cookie)"
        d.requested_destination_name = "<img src=x onerror=alert(1)>"
        d.save()
        IgnoreRecord.objects.filter(remote_id=d.remote_id).update(ignored_by=editor)
        audit_record(
            user=editor,
            action="destination.ignore",
            target_type="destination",
            target_id=d.remote_id,
        )
        response = editor_client.get(f"/destinations/{d.remote_id}/")
        body = html(response)
        assert response.status_code == 200 and "<html" in body
        assert "404-555-0104" in body and "Beta" in body
        assert "carrier_hint" in body and "&lt;b&gt;Verizon&lt;/b&gt;" in body
        assert "<img src=x" not in body and 'href="javascript:' not in body
        assert "Ignored in this dashboard by <strong>editor</strong>" in body
        assert "destination.ignore" in body
        assert f'action="/destinations/{d.remote_id}/unignore/"' in body
        assert f'action="/destinations/{d.remote_id}/delete/"' in body
        assert 'data-confirm="Delete 404-555-0104 (campaign “Beta”) from Invoca?' in body

    def test_the_ring_pool_links_to_its_page(self, editor_client):
        advertiser = Advertiser.objects.create(
            id_from_network="1", name="A", synced_at=timezone.now()
        )
        campaign = Campaign.objects.create(
            advertiser=advertiser, id_from_network="83", name="C", synced_at=timezone.now()
        )
        pool = RingPool.objects.create(
            campaign=campaign,
            id_from_network="13",
            name="Pool 13",
            object_url="https://example.invoca.net/pools/13",
            synced_at=timezone.now(),
        )
        d = make_destination(campaign=("83", "C"), pool=("13", "Pool 13"))
        body = html(editor_client.get(f"/destinations/{d.remote_id}/"))
        assert f'<a href="{reverse("ringpools:detail", args=[pool.pk])}">Pool 13</a>' in body
        assert 'href="https://example.invoca.net/pools/13"' in body

    def test_viewer_sees_no_actions(self, viewer_client, rows):
        body = html(viewer_client.get(f"/destinations/{rows['a'].remote_id}/"))
        assert 'method="post" action="/destinations/' not in body

    def test_unknown_destination_is_404(self, editor_client):
        assert editor_client.get("/destinations/424242/").status_code == 404

    def test_ignore_from_the_detail_page_returns_there(self, editor_client, rows):
        d = rows["a"]
        response = editor_client.post(
            f"/destinations/{d.remote_id}/ignore/", {"next": f"/destinations/{d.remote_id}/"}
        )
        assert response["Location"] == f"/destinations/{d.remote_id}/"
        assert "Ignored 202-555-0101" in html(editor_client.get(response["Location"]))
