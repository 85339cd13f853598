"""Ring pools in a real headless Chromium against the live sandbox."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from destinations.models import Destination, Status
from ringpools.models import Campaign, RingPool
from tests.conftest import login

pytestmark = pytest.mark.browser


def campaign_filter(page):
    """The filter form's Campaign select (the column chooser has a Campaign box too)."""
    return page.locator("#ringpool-filters").get_by_label("Campaign")


@pytest.fixture
def synced(sandbox, editor, transactional_db):
    call_command("sync_invoca")
    return sandbox


def campaign_of_advertiser_1() -> Campaign:
    return (
        Campaign.objects.select_related("advertiser")
        .filter(status="Activated", advertiser__id_from_network="1")
        .order_by("pk")
        .first()
    )


def choose_campaign(page, campaign: Campaign) -> None:
    page.get_by_label("Advertiser").select_option(campaign.advertiser.id_from_network)
    # The campaign <select> is loaded for the advertiser just chosen.
    expect(
        page.locator(f'#id_campaign option[value="{campaign.id_from_network}"]')
    ).to_be_attached()
    page.get_by_label("Campaign").select_option(campaign.id_from_network)


def test_create_a_local_ring_pool_by_coordinates(page, synced):
    campaign = campaign_of_advertiser_1()
    login(page, "editor")
    page.goto("/ringpools/")
    page.get_by_role("link", name="New ring pool").click()
    choose_campaign(page, campaign)
    page.get_by_label("Id from network").fill("pw-local-1")
    page.get_by_label("Name", exact=True).fill("Playwright Local SB")
    page.get_by_label("Pool type").select_option("Search")
    page.get_by_label("Max pool size").fill("4")

    local = page.locator("details#local-ringpool")
    expect(local).not_to_have_attribute("open", "")
    local.locator("summary").click()
    latitude = page.get_by_label("Latitude")
    expect(latitude).to_be_disabled()  # until "Coordinates" is chosen
    page.get_by_label("Coordinates").check()
    expect(latitude).to_be_enabled()
    expect(page.get_by_role("textbox", name="ZIP code")).to_be_disabled()
    latitude.fill("34.4208")
    page.get_by_label("Longitude").fill("-119.6982")
    page.get_by_label("Allowed area codes").fill("805 213")
    page.get_by_role("button", name="Create ring pool").click()

    expect(page.get_by_role("heading", name="Playwright Local SB")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("takes about ten minutes")
    expect(page.get_by_text("allocates local numbers near the centre")).to_be_visible()
    expect(page.get_by_text("Latitude 34.4208, longitude -119.6982")).to_be_visible()
    pool = RingPool.objects.get(id_from_network="pw-local-1")
    assert page.url.endswith(f"/ringpools/{pool.pk}/")
    assert pool.payload["tn_prefix_whitelist"] == ["805", "213"]
    assert pool.is_local


def test_the_servers_error_lands_on_its_field(page, synced):
    campaign = campaign_of_advertiser_1()
    taken = RingPool.objects.exclude(campaign=campaign).order_by("pk").first()
    login(page, "editor")
    page.goto("/ringpools/new/")
    choose_campaign(page, campaign)
    page.get_by_label("Id from network").fill(taken.id_from_network)
    page.get_by_label("Name", exact=True).fill("Duplicate id")
    page.get_by_label("Pool type").select_option("Custom")
    page.locator("summary", has_text="Params").click()
    page.get_by_label("Param 1", exact=True).fill("gclid")
    page.get_by_role("button", name="Create ring pool").click()

    field = page.get_by_label("Id from network")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()  # the first field to fix
    expect(page.locator("#id_id_from_network_error")).to_have_text(
        "Invoca says: Has already been taken"
    )
    # Everything typed is kept.
    expect(page.get_by_label("Name", exact=True)).to_have_value("Duplicate id")
    expect(page.get_by_label("Param 1", exact=True)).to_have_value("gclid")
    expect(page.get_by_label("Campaign")).to_have_value(campaign.id_from_network)
    assert "/ringpools/new/" in page.url


def test_edit(page, synced):
    pool = RingPool.objects.order_by("pk").first()
    login(page, "editor")
    page.goto(f"/ringpools/{pool.pk}/")
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Allow overflow")).to_be_disabled()
    page.get_by_label("Name", exact=True).fill("Renamed in the browser")
    page.get_by_label("Max pool size").fill("11")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Renamed in the browser")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("saved")
    pool.refresh_from_db()
    assert (pool.name, pool.max_pool_size) == ("Renamed in the browser", 11)


def test_delete_with_its_destinations(page, synced):
    pool = next(
        p
        for p in RingPool.objects.order_by("pk")
        if Destination.objects.filter(ring_pool_id_from_network=p.id_from_network).exists()
    )
    linked = list(Destination.objects.filter(ring_pool_id_from_network=pool.id_from_network))
    login(page, "editor")
    page.goto(f"/ringpools/{pool.pk}/")
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete ring pool")).to_be_visible()
    for dest in linked:
        expect(page.locator(".rp-dest-list")).to_contain_text(dest.phone_number)
    page.get_by_label("Also delete these destinations").check()
    page.get_by_role("button", name="Delete ring pool").click()
    expect(page.locator("#messages")).to_contain_text("were deleted too")
    assert re.search(r"/ringpools/$", page.url)
    assert not RingPool.objects.filter(pk=pool.pk).exists()
    assert not Destination.objects.filter(remote_id__in=[d.remote_id for d in linked]).exists()


def test_track_a_discovered_destination(page, synced):
    dest = Destination.objects.filter(status=Status.DISCOVERED).order_by("pk").first()
    campaign = Campaign.objects.get(id_from_network=dest.campaign_id_from_network)
    login(page, "editor")
    page.goto(f"/destinations/{dest.remote_id}/")
    page.get_by_role("link", name="Track").click()
    expect(page.get_by_role("heading", name=f"Track {dest.phone_number}")).to_be_visible()
    expect(page.get_by_label("Destination phone number")).to_have_value(dest.phone_number)
    expect(page.get_by_label("Advertiser")).to_have_value(campaign.advertiser.id_from_network)
    expect(page.get_by_label("Campaign")).to_have_value(campaign.id_from_network)
    page.get_by_label("Id from network").fill("pw-track-1")
    page.get_by_label("Name", exact=True).fill("Tracked from the browser")
    page.get_by_label("Pool type").select_option("Custom")
    page.get_by_role("button", name="Create ring pool").click()

    expect(page.get_by_role("heading", name="Tracked from the browser")).to_be_visible()
    linked = page.locator("section", has=page.get_by_role("heading", name="Linked destinations"))
    expect(linked).to_contain_text(dest.phone_number)
    expect(linked).to_contain_text("Tracked")
    dest.refresh_from_db()
    assert dest.status == Status.TRACKED
    assert dest.ring_pool_id_from_network == "pw-track-1"


def test_list_filters_sort_and_url_state(page, synced):
    campaign = campaign_of_advertiser_1()
    login(page, "editor")
    page.goto("/ringpools/")
    table = page.locator("#ringpool-table")
    page.get_by_label("Advertiser").select_option(campaign.advertiser.id_from_network)
    expect(page).to_have_url(re.compile(rf"advertiser={campaign.advertiser.id_from_network}$"))
    # The campaign select now lists only that advertiser's campaigns.
    expect(
        page.locator(f'#filter-campaign option[value="{campaign.id_from_network}"]')
    ).to_be_attached()
    campaign_filter(page).select_option(campaign.id_from_network)
    expect(page).to_have_url(re.compile(rf"campaign={campaign.id_from_network}"))
    names = set(campaign.ring_pools.values_list("name", flat=True))
    expect(table.locator("tbody tr")).to_have_count(len(names))
    table.get_by_role("link", name="Max size").click()
    expect(page).to_have_url(re.compile(r"sort_by=max_pool_size$"))  # asc is the default
    table.get_by_role("link", name="Max size").click()
    expect(page).to_have_url(re.compile(r"sort_by=max_pool_size&sort_dir=desc"))
    expect(table.locator('th[aria-sort="descending"]')).to_contain_text("Max size")
    page.go_back()
    expect(page).to_have_url(re.compile(r"sort_by=max_pool_size$"))
    expect(table.locator('th[aria-sort="ascending"]')).to_contain_text("Max size")
    page.get_by_label("Search").fill("zzz-nothing")
    expect(table).to_contain_text("No ring pools match these filters")
    expect(page).to_have_url(re.compile(r"query=zzz-nothing"))


def test_an_advertiser_chosen_before_the_page_is_ready_still_loads_its_campaigns(page, synced):
    """On a slow page the advertiser may be chosen before htmx has loaded: its campaigns
    load all the same once it has (as after the browser restores a choice on Back)."""
    campaign = campaign_of_advertiser_1()
    login(page, "editor")
    held = []
    page.route("**/django_htmx/htmx*.js", lambda route: held.append(route))  # until released
    page.goto("/ringpools/new/", wait_until="commit")
    advertiser = page.get_by_label("Advertiser")
    advertiser.select_option(campaign.advertiser.id_from_network)
    assert held, "htmx was requested and held back"
    held[0].continue_()
    expect(
        page.locator(f'#id_campaign option[value="{campaign.id_from_network}"]')
    ).to_be_attached()
    expect(advertiser).to_have_value(campaign.advertiser.id_from_network)
