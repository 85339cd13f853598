import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from ringpools.models import Advertiser, Campaign
from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def synced(sandbox, editor, transactional_db):
    call_command("sync_invoca")
    return sandbox


def test_campaign_filter_shows_what_the_url_says(page, synced):
    adv = Advertiser.objects.filter(campaigns__isnull=False).order_by("pk").first()
    camps = list(Campaign.objects.filter(advertiser=adv).order_by("name", "pk"))
    assert len(camps) >= 2
    login(page, "editor")
    page.goto("/ringpools/")
    campaign = page.locator("#filter-campaign")
    page.locator("#filter-advertiser").select_option(adv.id_from_network)
    expect(page).to_have_url(re.compile(rf"advertiser={adv.id_from_network}"))
    page.wait_for_timeout(500)
    assert "campaign=" not in page.url
    expect(campaign).to_have_value("")
    campaign.select_option(camps[0].id_from_network)
    expect(page).to_have_url(re.compile(rf"campaign={camps[0].id_from_network}"))
    page.wait_for_timeout(500)
    expect(campaign).to_have_value(camps[0].id_from_network)
    page.locator("#filter-query").press_sequentially("a", delay=20)
    page.wait_for_timeout(800)
    expect(campaign).to_have_value(camps[0].id_from_network)
    assert f"campaign={camps[0].id_from_network}" in page.url
    page.locator("#filter-advertiser").select_option("")
    page.wait_for_timeout(800)
    expect(campaign).to_have_value("")
    assert "campaign=" not in page.url
