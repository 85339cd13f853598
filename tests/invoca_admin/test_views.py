"""The layout, login, home page, sync slot and audit log."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from invoca_admin.models import AuditEntry, SyncRun
from tests.html import parse, text

pytestmark = pytest.mark.django_db


class TestLoginRequired:
    @pytest.mark.parametrize(
        "url", ["/", "/destinations/", "/ringpools/", "/audit/", "/sync/status/", "/connection/"]
    )
    def test_anonymous_is_sent_to_login(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_login_page_renders_without_a_session(self, client):
        response = client.get("/accounts/login/")
        assert response.status_code == 200
        assert b'name="username"' in response.content

    def test_logout_is_a_post(self, editor_client):
        response = editor_client.post("/accounts/logout/")
        assert response.status_code == 302
        assert editor_client.get("/").status_code == 302


class TestSecurityHeaders:
    def test_csp_allows_only_this_origin_and_scripts_carry_the_nonce(self, editor_client):
        response = editor_client.get("/")
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        scripts = parse(response).find_all("script")
        assert scripts, "htmx and app.js are loaded"
        for tag in scripts:
            assert tag.get("nonce") == nonce
            assert tag.get("src") and not tag.string  # no inline scripts

    def test_htmx_is_served_locally(self, editor_client):
        html = editor_client.get("/").content.decode()
        sources = [tag.get("src", "") for tag in parse(html).find_all("script")]
        assert any(
            src.startswith("/static/django_htmx/htmx-2") and src.endswith(".js") for src in sources
        )
        assert "unpkg" not in html and "cdn" not in html.lower()

    def test_csrf_token_goes_with_every_htmx_request(self, editor_client):
        headers = json.loads(parse(editor_client.get("/")).body["hx-headers"])
        assert list(headers) == ["X-CSRFToken"]
        assert re.fullmatch(r"[\w-]+", headers["X-CSRFToken"])

    def test_responses_vary_on_hx_request(self, editor_client):
        assert "HX-Request" in editor_client.get("/")["Vary"]


class TestNotConfigured:
    def test_home_says_how_to_configure(self, editor_client):
        response = editor_client.get("/")
        assert response.status_code == 200
        assert b"Invoca is not configured" in response.content
        assert b"INVOCA_API_URL" in response.content

    @pytest.mark.parametrize("url", ["/destinations/", "/ringpools/", "/audit/"])
    def test_every_page_renders(self, editor_client, url):
        response = editor_client.get(url)
        assert response.status_code == 200
        assert b"Not configured" in response.content

    def test_sync_now_explains_instead_of_crashing(self, editor_client):
        response = editor_client.post("/sync/", follow=True)
        assert response.status_code == 200
        assert b"Invoca is not configured" in response.content
        assert not SyncRun.objects.exists()


class TestConnectionCheck:
    def test_counts_through_the_client(self, editor_client, sandbox):
        response = editor_client.get("/connection/", HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert b"Connected" in response.content
        assert b"120 destinations" in response.content
        assert b"<html" not in response.content

    def test_rejected_token_is_said_plainly_and_never_shown(self, editor_client, sandbox, settings):
        settings.INVOCA_API_TOKEN = "wrong-token-zz9"
        response = editor_client.get("/connection/", HTTP_HX_REQUEST="true")
        assert b"Cannot reach Invoca" in response.content
        assert b"401" in response.content
        assert b"wrong-token-zz9" not in response.content

    def test_unreachable_invoca(self, editor_client, sandbox):
        sandbox.state.outage = True
        response = editor_client.get("/connection/", HTTP_HX_REQUEST="true")
        assert b"Cannot reach Invoca" in response.content


class TestSyncSlot:
    def test_never_synced(self, editor_client, sandbox):
        assert b"Never synced" in editor_client.get("/").content

    def test_running_sync_shows_progress_and_polls(self, editor_client, sandbox):
        SyncRun.objects.create(status="running", pages_done=3, pages_total=12, stage="destinations")
        html = editor_client.get("/").content.decode()
        assert 'aria-valuenow="25"' in html
        assert "3 / 12 pages" in html
        assert 'hx-trigger="every 1s"' in html
        assert "Sync now</button>" not in html

    def test_polling_stops_and_announces_the_end(self, editor_client, sandbox):
        SyncRun.objects.create(
            status="succeeded",
            destinations_total=312,
            destinations_new=5,
            destinations_removed=1,
            finished_at="2026-01-01T00:00:00Z",
        )
        response = editor_client.get("/sync/status/?was_running=1", HTTP_HX_REQUEST="true")
        assert "every 1s" not in response.content.decode()
        assert "312 destinations, 5 new, 1 removed" in response.content.decode()
        assert "syncFinished" in response["HX-Trigger"]

    def test_failed_sync_banner(self, editor_client, sandbox):
        SyncRun.objects.create(
            status="failed",
            error="Invoca had an internal error.",
            finished_at="2026-01-01T00:00:00Z",
        )
        html = editor_client.get("/").content.decode()
        assert "The last sync failed" in html
        assert "Invoca had an internal error." in html

    def test_viewer_cannot_sync(self, viewer_client, sandbox):
        assert b"Sync now</button>" not in viewer_client.get("/").content
        assert viewer_client.post("/sync/").status_code == 403
        assert not SyncRun.objects.exists()

    def test_sync_now_runs_a_sync(self, editor_client, sandbox):
        response = editor_client.post("/sync/", HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        run = SyncRun.objects.get()
        assert run.status == "succeeded"
        assert run.destinations_total == 120
        assert run.triggered_by.username == "editor"
        assert b'id="messages"' in response.content  # the message comes out of band

    def test_second_sync_is_refused_while_one_runs(self, editor_client, sandbox):
        SyncRun.objects.create(status="running")
        response = editor_client.post("/sync/", follow=True)
        assert b"already running" in response.content
        assert SyncRun.objects.count() == 1

    def test_sync_now_needs_csrf(self, editor, sandbox):
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        assert client.post("/sync/").status_code == 403


class TestAuditLog:
    def test_lists_entries_escaped(self, editor_client, editor):
        AuditEntry.objects.create(
            user=editor,
            action="destination.delete",
            target_type="destination",
            target_id="7",
            target_label="<b>202-555-0101</b>",
            outcome="failed",
            detail="Invoca had an internal error.",
            error_handle="1228118400",
        )
        html = editor_client.get(reverse("audit_log")).content.decode()
        assert "&lt;b&gt;202-555-0101&lt;/b&gt;" in html
        assert "error handle 1228118400" in html
        page = parse(html)
        assert page.find("td", string="Delete destination")  # a plain-language action
        option = page.select_one('select[name="action"] option[value="destination.delete"]')
        assert text(option) == "Delete destination"

    def test_filter_and_partial(self, editor_client, editor):
        AuditEntry.objects.create(
            user=editor,
            action="destination.ignore",
            target_type="destination",
            target_id="1",
            target_label="202-555-0001",
        )
        response = editor_client.get("/audit/?outcome=failed", HTTP_HX_REQUEST="true")
        assert b"<html" not in response.content
        assert b"No audit entries match these filters" in response.content

    def test_bad_page_falls_back(self, editor_client):
        assert editor_client.get("/audit/?page=banana&outcome=%3Cx%3E").status_code == 200


class TestOverview:
    def test_shows_what_the_cache_holds_by_status(self, editor_client, sandbox):
        from django.core.management import call_command

        from destinations.models import Destination

        call_command("sync_invoca")
        response = editor_client.get("/")
        html = response.content.decode()
        for status in ("discovered", "tracked", "ignored"):
            count = Destination.objects.filter(status=status).count()
            stat = parse(html).select_one(f'a[href="/destinations/?status={status}"] .stat-value')
            assert text(stat) == str(count)
        assert "No changes made through the dashboard yet." in html


class TestTokenNeverShown:
    def test_debug_error_pages_mask_the_token(self, settings):
        from django.views.debug import SafeExceptionReporterFilter

        settings.INVOCA_API_TOKEN = "secret-token-5f2a"
        safe = SafeExceptionReporterFilter().get_safe_settings()
        assert safe["INVOCA_API_TOKEN"] != "secret-token-5f2a"
        assert "secret-token-5f2a" not in repr(safe)

    def test_pages_never_contain_the_token(self, editor_client, sandbox):
        from django.core.management import call_command

        call_command("sync_invoca")
        for url in ["/", "/destinations/", "/ringpools/", "/audit/", "/connection/"]:
            assert sandbox.token.encode() not in editor_client.get(url).content


class TestEditorsGroup:
    def test_migrate_gives_the_editors_group_every_change_permission(self, db):
        from django.contrib.auth.models import Group

        from invoca_admin.apps import EDITOR_PERMISSIONS, EDITORS_GROUP

        granted = set(
            Group.objects.get(name=EDITORS_GROUP).permissions.values_list(
                "content_type__app_label", "codename"
            )
        )
        assert granted == set(EDITOR_PERMISSIONS)

    def test_editor_may_write_and_viewer_may_not(self, editor, viewer):
        for app, codename in [
            ("destinations", "delete_destination"),
            ("ringpools", "add_ringpool"),
        ]:
            assert editor.has_perm(f"{app}.{codename}")
            assert not viewer.has_perm(f"{app}.{codename}")
