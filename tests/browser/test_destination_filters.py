"""The destination filters of the list (advertiser, ring pool, discovered days) in
Chromium against the synced sandbox: the rows, the URL and the export follow them."""

import csv
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from destinations.models import Destination, DestinationCampaign
from tests.conftest import login

pytestmark = pytest.mark.browser


def test_advertiser_ring_pool_and_days_narrow_rows_url_and_export(page, editor, sandbox):
    call_command("sync_invoca")
    target = (
        Destination.objects.exclude(ring_pool_id_from_network="")
        .exclude(created_at=None)
        .order_by("pk")
        .first()
    )
    campaign = DestinationCampaign.objects.get(id_from_network=target.campaign_id_from_network)
    day = timezone.localtime(target.created_at).date()
    expected = set(
        Destination.objects.filter(
            campaign_id_from_network__in=DestinationCampaign.objects.filter(
                advertiser_id_from_network=campaign.advertiser_id_from_network
            ).values("id_from_network"),
            ring_pool_id_from_network=target.ring_pool_id_from_network,
            created_at__date__gte=day - timedelta(days=1),
            created_at__date__lte=day + timedelta(days=1),
        ).values_list("phone_number", flat=True)
    )
    assert target.phone_number in expected

    login(page, "editor")
    page.goto("/destinations/")
    rows = page.locator("#destination-table tbody tr[id^=destination-]")
    page.locator("select[name=advertiser]").select_option(campaign.advertiser_id_from_network)
    expect(page).to_have_url(re.compile(rf"advertiser={campaign.advertiser_id_from_network}"))
    page.locator("select[name=ring_pool]").select_option(target.ring_pool_id_from_network)
    expect(page).to_have_url(re.compile(r"ring_pool="))
    page.locator("#destination-filters input[name=created_from]").fill(str(day - timedelta(days=1)))
    expect(page).to_have_url(re.compile(r"created_from="))
    page.locator("#destination-filters input[name=created_to]").fill(str(day + timedelta(days=1)))
    expect(page).to_have_url(re.compile(r"created_to="))
    expect(rows).to_have_count(len(expected))
    shown = {text.strip() for text in page.locator("#destination-table a.phone").all_inner_texts()}
    assert shown == expected

    state = parse_qs(urlparse(page.url).query)
    assert state["advertiser"] == [campaign.advertiser_id_from_network]
    assert state["ring_pool"] == [target.ring_pool_id_from_network]
    assert state["created_from"] == [str(day - timedelta(days=1))]
    assert state["created_to"] == [str(day + timedelta(days=1))]

    # The export button carries the same query and exports exactly these rows.
    export = page.get_by_role("link", name=re.compile("Export"))
    href = export.get_attribute("href")
    assert href.startswith("/destinations/export.csv?") and "ring_pool=" in href
    response = page.request.get(href)
    lines = list(csv.reader(response.text().splitlines()))
    assert {line[0] for line in lines[1:]} == expected

    # Reloading the shared URL shows the same choices selected.
    page.reload()
    expect(page.locator("select[name=advertiser]")).to_have_value(
        campaign.advertiser_id_from_network
    )
    expect(page.locator("select[name=ring_pool]")).to_have_value(target.ring_pool_id_from_network)
    expect(rows).to_have_count(len(expected))
