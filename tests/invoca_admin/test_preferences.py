"""Saved views, the column chooser, "new since your last visit" and search history,
through Django's test client."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from invoca_admin.core.lists import TYPING_HEADER
from invoca_admin.core.preferences import VIEWS_PER_LIST_MAX, VISIT_GAP, overview_visit
from invoca_admin.models import ListPreference, OverviewVisit, SavedView
from tests.destinations.conftest import make_destination
from tests.html import parse, text

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
LIST = "/destinations/"


def save_view(client, name, query="status=discovered", list_id="destination", **extra):
    data = {"list_id": list_id, "query": query, "name": name, **extra}
    return client.post("/views/new/", data, **HX)


class TestSavingAView:
    def test_the_list_offers_to_save_its_state(self, editor_client):
        page = parse(editor_client.get(LIST + "?status=discovered&sort_dir=desc"))
        form = page.select_one("#destination-views form")
        assert form["action"] == "/views/new/"
        assert form.select_one("input[name=query]")["value"] == "status=discovered&sort_dir=desc"
        assert form.select_one("input[name=csrfmiddlewaretoken]")

    def test_a_saved_view_is_listed_in_the_menu_and_the_navigation(self, editor_client, editor):
        response = save_view(editor_client, "  New   numbers ")
        view = SavedView.objects.get()
        assert (view.user, view.name, view.query) == (editor, "New numbers", "status=discovered")
        page = parse(response)
        assert "Saved “New numbers”." in text(page.select_one("#destination-views"))
        nav = page.select_one("#nav-views")
        assert nav["hx-swap-oob"] == "true"
        assert nav.select_one(f'a[href="/views/{view.pk}/"]').get_text() == "New numbers"
        # And on every page afterwards, grouped under its list.
        home = parse(editor_client.get("/"))
        assert text(home.select_one("#nav-views .nav-views-group")) == "Destinations"
        assert home.select_one(f'#nav-views a[href="/views/{view.pk}/"]')

    def test_the_page_and_view_marker_are_not_part_of_a_view(self, editor_client):
        save_view(editor_client, "Second page", query="?status=tracked&page=3&view=all")
        assert SavedView.objects.get().query == "status=tracked"

    @pytest.mark.parametrize(
        ("name", "error"),
        [("   ", "Give the view a name."), ("x" * 81, "At most 80 characters.")],
    )
    def test_a_bad_name_is_a_field_error(self, editor_client, name, error):
        response = save_view(editor_client, name)
        assert response.status_code == 200
        field = parse(response).select_one("#destination-view-name")
        assert field["aria-invalid"] == "true"
        assert error in text(parse(response).select_one("#destination-view-name-error"))
        assert not SavedView.objects.exists()

    def test_a_name_taken_on_the_same_list_whatever_its_case(self, editor_client):
        save_view(editor_client, "Mine")
        response = save_view(editor_client, "MINE", query="status=ignored")
        assert "You already have a view named “MINE” on this list." in text(parse(response))
        assert SavedView.objects.count() == 1
        # The same name on another list is another view.
        save_view(editor_client, "Mine", query="outcome=failed", list_id="audit")
        assert SavedView.objects.count() == 2

    def test_the_same_state_is_saved_once(self, editor_client):
        save_view(editor_client, "One")
        response = save_view(editor_client, "Two")
        assert "This list state is already saved as “One”." in text(parse(response))
        assert SavedView.objects.count() == 1

    def test_a_state_too_long_to_keep_is_said(self, editor_client):
        response = save_view(editor_client, "Long", query="query=" + "x" * 2000)
        assert "This list state is too long to save as a view." in text(parse(response))
        assert not SavedView.objects.exists()

    def test_at_most_fifty_views_per_list(self, editor_client, editor):
        SavedView.objects.bulk_create(
            SavedView(user=editor, list_id="destination", name=f"v{i}", query=f"page_x={i}")
            for i in range(VIEWS_PER_LIST_MAX)
        )
        response = save_view(editor_client, "One more")
        assert "the most there can be: delete one first." in text(parse(response))
        assert SavedView.objects.count() == VIEWS_PER_LIST_MAX
        save_view(editor_client, "Elsewhere", list_id="audit")
        assert SavedView.objects.count() == VIEWS_PER_LIST_MAX + 1

    def test_an_unknown_list_is_refused(self, editor_client):
        assert save_view(editor_client, "x", list_id="nope").status_code == 400

    def test_without_htmx_it_redirects_to_the_view(self, editor_client):
        response = editor_client.post(
            "/views/new/", {"list_id": "destination", "query": "status=tracked", "name": "T"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/destinations/?status=tracked"

    def test_saving_needs_the_csrf_token(self, editor):
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        response = client.post("/views/new/", {"list_id": "destination", "name": "x"}, **HX)
        assert response.status_code == 403
        assert not SavedView.objects.exists()

    def test_every_page_needs_a_login(self, client, editor):
        view = SavedView.objects.create(user=editor, list_id="destination", name="v")
        for url in ("/views/", f"/views/{view.pk}/"):
            assert client.get(url)["Location"].startswith("/accounts/login/")


class TestOpeningAndSharing:
    def test_the_view_url_opens_the_list_in_its_state_for_anyone_logged_in(
        self, editor, viewer_client
    ):
        view = SavedView.objects.create(
            user=editor, list_id="ringpool", name="Big", query="sort_by=max_pool_size"
        )
        response = viewer_client.get(f"/views/{view.pk}/")
        assert response["Location"] == "/ringpools/?sort_by=max_pool_size"

    def test_a_missing_view_is_a_404(self, viewer_client):
        assert viewer_client.get("/views/999/").status_code == 404

    def test_the_list_names_the_view_it_shows(self, editor_client, editor):
        SavedView.objects.create(user=editor, list_id="audit", name="Fails", query="outcome=failed")
        page = parse(editor_client.get("/audit/?outcome=failed"))
        assert text(page.select_one("#audit-views .view-current")) == "View: Fails"
        assert not parse(editor_client.get("/audit/")).select_one("#audit-views .view-current")


class TestDefaultView:
    @pytest.fixture
    def default(self, editor):
        return SavedView.objects.create(
            user=editor,
            list_id="destination",
            name="New",
            query="status=discovered",
            is_default=True,
        )

    def test_the_bare_list_opens_on_the_default(self, editor_client, default):
        response = editor_client.get(LIST)
        assert response.status_code == 302
        assert response["Location"] == "/destinations/?status=discovered"

    def test_a_query_string_wins_and_view_all_shows_everything(self, editor_client, default):
        make_destination(status="tracked", pool=("1", "P"))
        assert editor_client.get(LIST + "?status=tracked").status_code == 200
        page = parse(editor_client.get(LIST + "?view=all"))
        assert (
            page.select_one('#destination-tabs a[aria-current="page"]').get_text().startswith("All")
        )

    def test_htmx_requests_are_never_redirected_and_keep_view_all(self, editor_client, default):
        response = editor_client.get(LIST, **HX)
        assert response.status_code == 200
        assert response["HX-Push-Url"] == "/destinations/?view=all"

    def test_the_default_shows_a_way_back_to_all(self, editor_client, default):
        page = parse(editor_client.get(LIST + "?status=discovered"))
        link = page.select_one('#destination-views a[href="/destinations/?view=all"]')
        assert text(link) == "Show all, not my default"

    def test_the_all_tab_leads_to_the_whole_list(self, editor_client, default):
        page = parse(editor_client.get(LIST + "?status=discovered"))
        all_tab = page.select_one("#destination-tabs a")
        assert all_tab["href"] == all_tab["hx-get"] == "/destinations/?view=all"

    def test_only_the_owners_default_applies(self, viewer_client, default):
        assert viewer_client.get(LIST).status_code == 200

    def test_one_default_per_list(self, editor_client, default):
        save_view(editor_client, "Tracked", query="status=tracked", is_default="on")
        defaults = SavedView.objects.filter(is_default=True)
        assert [v.name for v in defaults] == ["Tracked"]


class TestManagingViews:
    @pytest.fixture
    def view(self, editor):
        return SavedView.objects.create(
            user=editor, list_id="destination", name="Old", query="status=ignored"
        )

    def test_the_page_lists_them_with_a_link_to_share(self, editor_client, view):
        page = parse(editor_client.get("/views/"))
        share = page.select_one(f"#share-{view.pk}")["value"]
        assert share == f"http://testserver/views/{view.pk}/"

    def test_rename(self, editor_client, view):
        response = editor_client.post(f"/views/{view.pk}/edit/", {"name": "Ignored ones"})
        assert response.status_code == 302
        view.refresh_from_db()
        assert view.name == "Ignored ones" and view.query == "status=ignored"

    def test_rename_to_a_taken_name_is_a_field_error(self, editor_client, editor, view):
        SavedView.objects.create(user=editor, list_id="destination", name="Taken", query="x=1")
        response = editor_client.post(f"/views/{view.pk}/edit/", {"name": "taken"})
        assert response.status_code == 200
        error = parse(response).select_one(f"#rename-{view.pk}-error")
        assert "already have a view named" in text(error)
        view.refresh_from_db()
        assert view.name == "Old"

    def test_make_default_and_back(self, editor_client, view):
        editor_client.post(f"/views/{view.pk}/edit/", {"is_default": "on"})
        view.refresh_from_db()
        assert view.is_default
        editor_client.post(f"/views/{view.pk}/edit/", {})
        view.refresh_from_db()
        assert not view.is_default

    def test_delete(self, editor_client, view):
        assert editor_client.post(f"/views/{view.pk}/delete/").status_code == 302
        assert not SavedView.objects.exists()

    def test_nobody_else_may_change_or_delete_it(self, viewer_client, view):
        assert viewer_client.post(f"/views/{view.pk}/edit/", {"name": "x"}).status_code == 404
        assert viewer_client.post(f"/views/{view.pk}/delete/").status_code == 404
        view.refresh_from_db()
        assert view.name == "Old"

    def test_changes_are_posts(self, editor_client, view):
        assert editor_client.get(f"/views/{view.pk}/delete/").status_code == 405


class TestColumnChooser:
    def hide(self, client, list_id, offered, shown):
        return client.post(f"/lists/{list_id}/columns/", {"column": offered, "shown": shown}, **HX)

    def test_hidden_columns_leave_the_table_and_its_partials(self, editor_client, editor):
        make_destination("202-555-0101", campaign=("1", "Alpha"))
        offered = ["campaign", "ring_pool", "status", "created", "updated"]
        response = self.hide(editor_client, "destination", offered, ["status", "updated"])
        assert response.status_code == 204
        assert json.loads(response["HX-Trigger"]) == {"columnsChanged": {}}
        assert ListPreference.objects.get(user=editor).hidden_columns == [
            "campaign",
            "created",
            "ring_pool",
        ]
        for headers in ({}, HX):
            page = parse(editor_client.get(LIST, **headers))
            heads = [text(th) for th in page.select("#destination-table thead th")]
            assert "Campaign" not in heads and "Created" not in heads
            assert any(h.startswith("Status") for h in heads)
            row = page.select_one('tbody tr[id^="destination-"]')
            assert len(row.select("td")) == len(heads)
            assert "Alpha" not in text(row)
        chooser = parse(editor_client.get(LIST)).select_one(".column-chooser")
        boxes = {b["value"]: b.has_attr("checked") for b in chooser.select("input[name=shown]")}
        assert boxes == {
            "phone_number": True,
            "campaign": False,
            "ring_pool": False,
            "status": True,
            "created": False,
            "updated": True,
        }
        assert chooser.select_one('input[value="phone_number"]').has_attr("disabled")

    def test_the_first_column_cannot_be_hidden(self, editor_client):
        self.hide(editor_client, "audit", ["at", "who", "detail"], ["who", "detail"])
        heads = [text(th) for th in parse(editor_client.get("/audit/")).select("thead th")]
        assert heads[0].startswith("When")

    def test_choices_are_per_user_and_per_list(self, editor_client, viewer):
        self.hide(editor_client, "ringpool", ["campaign"], [])
        assert "Campaign" not in text(parse(editor_client.get("/ringpools/")).select_one("thead"))
        other = Client()
        other.force_login(viewer)
        assert "Campaign" in text(parse(other.get("/ringpools/")).select_one("thead"))
        assert "Campaign" in text(parse(editor_client.get(LIST)).select_one("thead"))

    def test_without_js_it_goes_back_to_the_list(self, editor_client):
        response = editor_client.post(
            "/lists/audit/columns/", {"column": ["who"], "next": "/audit/?outcome=ok"}
        )
        assert response["Location"] == "/audit/?outcome=ok"

    def test_bad_input_is_dropped(self, editor_client, editor):
        self.hide(editor_client, "audit", ["who", "<x>", "A" * 500], [])
        assert ListPreference.objects.get(user=editor).hidden_columns == ["who"]
        assert editor_client.post("/lists/nope/columns/", {}).status_code == 404

    def test_the_export_keeps_every_column(self, editor_client):
        make_destination("202-555-0101", campaign=("1", "Alpha"))
        self.hide(editor_client, "destination", ["campaign"], [])
        csv = b"".join(editor_client.get("/destinations/export.csv").streaming_content).decode()
        assert "Campaign" in csv.splitlines()[0] and "Alpha" in csv


class TestNewSinceLastVisit:
    def test_a_first_visit_counts_nothing(self, editor_client):
        page = parse(editor_client.get("/"))
        assert "This is your first visit" in text(page.select_one(".new-since"))

    def test_counts_and_links_what_was_discovered_since(self, editor_client, editor):
        now = timezone.now()
        last = now - timedelta(days=3)
        OverviewVisit.objects.create(user=editor, seen_at=last)
        make_destination(created_at=now - timedelta(days=1))
        make_destination(created_at=now - timedelta(hours=1), status="tracked", pool=("1", "P"))
        make_destination(created_at=now - timedelta(days=10))
        page = parse(editor_client.get("/"))
        link = page.select_one(".new-since a")
        day = timezone.localdate(last).isoformat()
        assert link["href"] == f"/destinations/?created_from={day}"
        assert text(link.select_one(".stat-value")) == "2"
        # The list it opens shows exactly those.
        listed = parse(editor_client.get(link["href"]))
        assert len(listed.select('tbody tr[id^="destination-"]')) == 2

    def test_reloading_keeps_the_previous_visit(self, editor):
        start = timezone.now() - timedelta(days=2)
        assert overview_visit(user=editor, now=start) is None
        later = start + timedelta(days=1)
        assert overview_visit(user=editor, now=later) == start
        # A reload a minute later is the same visit: still since `start`.
        assert overview_visit(user=editor, now=later + timedelta(minutes=1)) == start
        # The next visit counts from the end of that one.
        next_visit = later + timedelta(minutes=1) + VISIT_GAP + timedelta(seconds=1)
        assert overview_visit(user=editor, now=next_visit) == later + timedelta(minutes=1)

    def test_visits_are_per_user(self, editor, viewer):
        overview_visit(user=editor)
        assert overview_visit(user=viewer) is None

    def test_a_bad_date_falls_back_to_every_destination(self, editor_client):
        make_destination()
        for bad in ("yesterday", "0001-01-01", "2026-13-01"):
            response = editor_client.get(f"{LIST}?created_from={bad}")
            assert response.status_code == 200
            assert len(parse(response).select('tbody tr[id^="destination-"]')) == 1


class TestSearchHistory:
    def test_a_typing_request_replaces_the_url(self, editor_client):
        make_destination("202-555-0101")
        headers = {**HX, f"HTTP_{TYPING_HEADER.upper().replace('-', '_')}": "true"}
        response = editor_client.get(f"{LIST}?query=202", **headers)
        assert response["HX-Replace-Url"] == "/destinations/?query=202"
        assert "HX-Push-Url" not in response

    def test_the_first_request_of_a_search_pushes(self, editor_client):
        response = editor_client.get(f"{LIST}?query=202&status=", **HX)
        assert response["HX-Push-Url"] == "/destinations/?query=202"
        assert "HX-Replace-Url" not in response


def test_user_deleted_takes_their_views_and_choices(editor):
    SavedView.objects.create(user=editor, list_id="audit", name="v")
    ListPreference.objects.create(user=editor, list_id="audit", hidden_columns=["who"])
    User.objects.filter(pk=editor.pk).delete()
    assert not SavedView.objects.exists() and not ListPreference.objects.exists()
