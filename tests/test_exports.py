"""CSV export of exactly what a list shows, on all three lists."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from destinations.models import Destination, Status
from invoca_admin.core.lists import csv_cell
from invoca_admin.models import AuditEntry, SyncRun
from ringpools.models import RingPool
from tests.conftest import login


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def synced(sandbox, db):
    call_command("sync_invoca")
    return sandbox


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 805", "'+1 805"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("805-555-0100", "805-555-0100"),
        (None, ""),
        (True, "yes"),
        (7, "7"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_made_inert(value, cell):
    assert csv_cell(value) == cell


class TestDestinations:
    @pytest.mark.parametrize(
        "query", ["", "?status=tracked", "?status=discovered&sort_by=campaign&sort_dir=desc"]
    )
    def test_every_matching_row_across_pages(self, editor_client, synced, query):
        page = BeautifulSoup(editor_client.get(f"/destinations/{query}").content, "html.parser")
        shown = int(page.select_one("nav.pager .muted").get_text().split(" of ")[1])
        rows = read_csv(editor_client.get(f"/destinations/export.csv{query}"))
        assert rows[0][:2] == ["Phone number", "Status"]
        assert len(rows) - 1 == shown  # every page, not just the first 50
        status = re.search(r"status=(\w+)", query)
        if status:
            assert {row[1] for row in rows[1:]} == {Status(status.group(1)).label}

    def test_the_same_order_as_the_list(self, editor_client, synced):
        query = "?sort_by=campaign&sort_dir=desc&per_page=25"
        page = BeautifulSoup(editor_client.get(f"/destinations/{query}").content, "html.parser")
        listed = [td.get_text(strip=True) for td in page.select("#destination-table td.phone")]
        rows = read_csv(editor_client.get(f"/destinations/export.csv{query}"))
        assert [row[0] for row in rows[1 : len(listed) + 1]] == listed

    def test_headers_name_the_sync(self, editor_client, synced):
        finished = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
        SyncRun.objects.update(finished_at=finished)
        response = editor_client.get("/destinations/export.csv")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            'attachment; filename="destinations-20261130-1405.csv"'
        )
        assert response["Last-Modified"] == "Mon, 30 Nov 2026 14:05:00 GMT"

    def test_a_hostile_name_is_neutralised(self, editor_client, synced):
        row = Destination.objects.order_by("remote_id").first()
        Destination.objects.filter(pk=row.pk).update(requested_destination_name="=1+2")
        rows = read_csv(editor_client.get(f"/destinations/export.csv?query={row.phone_digits}"))
        assert rows[1][6] == "'=1+2"

    def test_the_export_link_carries_the_lists_state(self, editor_client, synced):
        page = BeautifulSoup(
            editor_client.get("/destinations/?status=tracked&page=2&per_page=25").content,
            "html.parser",
        )
        link = page.select_one("a.pager-export")
        assert link["href"] == "/destinations/export.csv?status=tracked&per_page=25"

    def test_needs_a_login(self, client, db):
        response = client.get("/destinations/export.csv")
        assert response.status_code == 302 and "/accounts/login/" in response.url

    def test_a_bad_state_falls_back(self, editor_client, synced):
        rows = read_csv(editor_client.get("/destinations/export.csv?sort_by=nope&status=x"))
        assert len(rows) - 1 == Destination.objects.count()


def test_ring_pools_export_follows_the_filter(editor_client, synced):
    pool = RingPool.objects.select_related("campaign__advertiser").order_by("pk").first()
    advertiser = pool.campaign.advertiser
    rows = read_csv(
        editor_client.get(f"/ringpools/export.csv?advertiser={advertiser.id_from_network}")
    )
    expected = RingPool.objects.filter(campaign__advertiser=advertiser).count()
    assert rows[0][:2] == ["Name", "Id from network"]
    assert len(rows) - 1 == expected
    assert {row[2] for row in rows[1:]} == {advertiser.name}


def test_audit_export_follows_the_filter(editor_client, editor, db):
    for outcome in ("ok", "ok", "failed"):
        AuditEntry.objects.create(
            user=editor,
            action="destination.ignore",
            target_type="destination",
            target_id="1",
            target_label="=evil()",
            outcome=outcome,
        )
    rows = read_csv(editor_client.get("/audit/export.csv?outcome=failed"))
    assert len(rows) == 2
    assert rows[1][1] == "editor" and rows[1][3] == "'=evil()" and rows[1][5] == "Failed"
    assert timezone.now().isoformat()[:10] in rows[1][0]


@pytest.mark.browser
def test_export_in_the_browser(page, synced, editor, transactional_db):
    login(page, "editor")
    page.goto("/destinations/?status=discovered")
    link = page.locator("a.pager-export")
    expect(link).to_contain_text("as CSV")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert re.fullmatch(r"destinations-\d{8}-\d{4}\.csv", download.suggested_filename)
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert len(rows) - 1 == Destination.objects.filter(status=Status.DISCOVERED).count()
