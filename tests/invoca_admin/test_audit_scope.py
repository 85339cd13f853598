"""The audit log keys a ring pool's history by campaign and id, not by the id alone."""

import pytest

from ringpools.selectors import ring_pool_audit_history
from ringpools.services import ring_pool_delete
from tests.ringpools.conftest import POOLS, make_advertiser, make_campaign, make_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings):
    """Point the client at the fake Invoca that `invoca_mock` answers."""
    settings.INVOCA_API_URL = "https://acme.invoca.net"
    settings.INVOCA_NETWORK_ID = "1234"
    settings.INVOCA_API_TOKEN = "test-token-not-real"


@pytest.fixture
def namesakes():
    """Two pools with the same id_from_network, in two campaigns of one advertiser."""
    advertiser = make_advertiser("1", "Acme")
    brand = make_campaign(advertiser, "101", "Brand")
    promo = make_campaign(advertiser, "102", "Promo")
    return make_pool(brand, "1001", "Brand pool"), make_pool(promo, "1001", "Promo pool")


def test_a_pool_keeps_its_own_history_apart_from_a_namesake(
    configured, namesakes, editor, invoca_mock
):
    brand_pool, promo_pool = namesakes
    invoca_mock.delete(f"{POOLS}/1001.json", json={})
    ring_pool_delete(user=editor, ring_pool=brand_pool)
    assert [e.action for e in ring_pool_audit_history(ring_pool=promo_pool)] == []


def test_the_detail_page_shows_only_this_pools_history(
    configured, namesakes, editor, editor_client, invoca_mock
):
    brand_pool, promo_pool = namesakes
    invoca_mock.delete(f"{POOLS}/1001.json", json={})
    ring_pool_delete(user=editor, ring_pool=brand_pool)
    body = editor_client.get(f"/ringpools/{promo_pool.pk}/").content.decode()
    assert "Promo pool" in body
    assert "ring_pool.delete" not in body


class TestTheAuditLogPage:
    """Filters by user, action, outcome and date; targets are links; the handle once."""

    @pytest.fixture
    def entries(self, editor, viewer):
        from datetime import timedelta

        from django.utils import timezone

        from invoca_admin.core.audit import audit_record
        from invoca_admin.invoca import InvocaServerError
        from invoca_admin.models import AuditEntry

        made = [
            audit_record(
                user=editor,
                action="destination.ignore",
                target_type="destination",
                target_id=1000001,
                target_label="805-555-0001",
            ),
            audit_record(
                user=viewer,
                action="ring_pool.update",
                target_type="ring_pool",
                target_id="1001",
                target_scope="101",
                target_label="Brand pool",
            ),
            audit_record(
                user=editor,
                action="destination.delete",
                target_type="destination",
                target_id=1000002,
                target_label="805-555-0002",
                error=InvocaServerError(
                    "Invoca had an internal error (error handle 77).", 500, error_handle="77"
                ),
            ),
        ]
        old = made[0]
        # Written a week ago (the log is append-only: only a test may move it).
        AuditEntry._base_manager.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=7))
        return made

    def rows(self, client, query=""):
        from bs4 import BeautifulSoup

        page = BeautifulSoup(client.get(f"/audit/{query}").content, "html.parser")
        return page.select("#audit-table tbody tr")

    def test_filter_by_user(self, editor_client, entries):
        assert len(self.rows(editor_client, "?who=viewer")) == 1
        assert len(self.rows(editor_client, "?who=editor")) == 2

    def test_filter_by_dates(self, editor_client, entries):
        from django.utils import timezone

        today = timezone.localdate().isoformat()
        assert len(self.rows(editor_client, f"?since={today}")) == 2
        assert len(self.rows(editor_client, f"?until={today}&action=destination.ignore")) == 1
        assert len(self.rows(editor_client, "?since=not-a-date")) == 3  # falls back

    def test_targets_are_links(self, editor_client, entries):
        links = [row.select_one("td a") for row in self.rows(editor_client, "?sort_by=target")]
        hrefs = {a.get_text(): a["href"] for a in links if a}
        assert hrefs["805-555-0001"] == "/destinations/1000001/"
        assert hrefs["Brand pool"] == "/ringpools/?campaign=101&query=1001"

    def test_the_error_handle_is_shown_once(self, editor_client, entries):
        text = " ".join(row.get_text(" ") for row in self.rows(editor_client, "?outcome=failed"))
        assert text.count("77") == 1
