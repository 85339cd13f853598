"""The overview at /: counts, destinations discovered per week, the last sync's diff."""

from datetime import datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from invoca_admin.models import SyncRun
from invoca_admin.selectors import destinations_discovered_per_week
from tests.destinations.conftest import make_destination

pytestmark = pytest.mark.django_db

# A Wednesday noon: its week started on Monday 2026-11-30.
NOW = timezone.make_aware(datetime(2026, 12, 2, 12, 0))


def created(days_before_now: float):
    return make_destination(created_at=NOW - timedelta(days=days_before_now))


def test_twelve_weeks_oldest_first_counted_by_monday_weeks():
    created(0)  # this week
    created(2)  # Monday of this week
    created(3)  # last Sunday: last week
    created(7 * 11 + 2)  # Monday eleven weeks ago: the first bar
    created(7 * 11 + 3)  # the Sunday before it: outside the chart
    weeks = destinations_discovered_per_week(now=NOW)
    assert len(weeks) == 12
    assert weeks[-1].start == timezone.make_aware(datetime(2026, 11, 30))
    assert weeks[0].start == timezone.make_aware(datetime(2026, 9, 14))
    assert [w.count for w in weeks] == [1] + [0] * 9 + [1, 2]
    assert [w.height for w in weeks][-3:] == [0, 0.5, 1]


def test_no_destinations_no_bars():
    assert all(w.count == 0 and w.height == 0 for w in destinations_discovered_per_week())


def test_the_overview_shows_the_chart_and_the_last_sync(editor_client):
    make_destination(created_at=timezone.now())
    SyncRun.objects.create(
        status="succeeded",
        finished_at=timezone.now(),
        destinations_total=1,
        destinations_new=1,
        destinations_changed=0,
        destinations_removed=3,
    )
    page = BeautifulSoup(editor_client.get("/").content, "html.parser")
    chart = page.select_one("svg.week-chart")
    assert chart["role"] == "img"
    bars = chart.select("rect.week-bar")
    assert len(bars) == 12
    assert float(bars[-1]["height"]) == 46.0 and all(float(b["height"]) == 0 for b in bars[:-1])
    assert "Week of" in bars[-1].find("title").get_text()
    last_sync = page.find(id="last-sync-title").find_parent("section")
    stats = {
        s.select_one(".stat-label").get_text(): s.select_one(".stat-value").get_text()
        for s in last_sync.select(".stat")
    }
    assert stats["new"] == "1" and stats["removed at Invoca"] == "3"


def test_no_sync_yet_says_so(editor_client):
    page = BeautifulSoup(editor_client.get("/").content, "html.parser")
    last_sync = page.find(id="last-sync-title").find_parent("section")
    assert "No sync has finished yet." in last_sync.get_text()
