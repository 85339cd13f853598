"""Saved views, the column chooser, search history and "new since your last visit", in a
real Chromium against the live sandbox."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from destinations.models import Destination
from invoca_admin.models import OverviewVisit, SavedView
from tests.conftest import login, open_page

pytestmark = pytest.mark.browser


@pytest.fixture
def synced(sandbox, editor, viewer):
    call_command("sync_invoca")
    return sandbox


def tab(page, name):
    return page.locator("#destination-tabs a", has_text=name)


def test_save_a_view_make_it_the_default_and_share_it(browser, live_server, page, synced):
    login(page, "editor")
    page.goto("/destinations/")
    tab(page, "Ignored").click()
    expect(page).to_have_url(re.compile(r"\?status=ignored$"))
    page.locator("#destination-views summary").click()
    menu = page.locator("#destination-views")
    menu.get_by_label("Save this view as").fill("Ignored numbers")
    menu.get_by_label("Open this list on it (my default)").check()
    menu.get_by_role("button", name="Save view").click()
    expect(menu).to_contain_text("Saved “Ignored numbers”.")
    expect(menu.locator(".view-current")).to_have_text("View: Ignored numbers")
    view = SavedView.objects.get(name="Ignored numbers")
    # The navigation lists it at once, under its list.
    page.locator("#nav-views summary").click()
    expect(page.locator("#nav-views")).to_contain_text("Destinations")
    expect(page.locator("#nav-views").get_by_role("link", name="Ignored numbers")).to_be_visible()

    # The bare list opens on the default; a visible link leads back to everything.
    page.goto("/destinations/")
    expect(page).to_have_url(re.compile(r"/destinations/\?status=ignored$"))
    expect(tab(page, "Ignored")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Show all, not my default").click()
    expect(page).to_have_url(re.compile(r"\?view=all$"))
    expect(tab(page, "All")).to_have_attribute("aria-current", "page")

    # Another user opens the shared link and sees the same list state.
    with open_page(browser, live_server.url) as other:
        login(other, "viewer")
        other.goto(f"/views/{view.pk}/")
        expect(other).to_have_url(re.compile(r"/destinations/\?status=ignored$"))
        expect(tab(other, "Ignored")).to_have_attribute("aria-current", "page")


def test_a_duplicate_name_is_a_field_error(page, synced, editor):
    SavedView.objects.create(user=editor, list_id="ringpool", name="Mine", query="x=1")
    login(page, "editor")
    page.goto("/ringpools/")
    page.locator("#ringpool-views summary").click()
    field = page.locator("#ringpool-views").get_by_label("Save this view as")
    field.fill("mine")
    field.press("Enter")
    expect(page.locator("#ringpool-view-name-error")).to_have_text(
        "You already have a view named “mine” on this list."
    )
    expect(page.locator("#ringpool-view-name")).to_have_attribute("aria-invalid", "true")


def test_rename_and_delete_a_view(page, synced, editor):
    view = SavedView.objects.create(user=editor, list_id="audit", name="Old", query="outcome=ok")
    login(page, "editor")
    page.goto("/views/")
    page.get_by_label("Name").fill("Fine")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator(".messages")).to_contain_text("Saved “Fine”.")
    expect(page.locator(f"#saved-view-{view.pk} .saved-view-name")).to_have_text("Fine")
    page.get_by_role("button", name="Delete “Fine”").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".messages")).to_contain_text("Deleted the view “Fine”.")
    expect(page.locator("main").get_by_text("No saved views yet.", exact=True)).to_be_visible()
    assert not SavedView.objects.exists()


def test_the_column_chooser_by_keyboard_is_remembered(page, synced):
    login(page, "editor")
    page.goto("/destinations/")
    header = page.locator("#destination-table thead")
    expect(header).to_contain_text("Campaign")
    chooser = page.locator(".column-chooser")
    chooser.locator("summary").focus()
    page.keyboard.press("Enter")
    campaign = chooser.get_by_label("Campaign")
    campaign.focus()
    page.keyboard.press("Space")
    expect(header).not_to_contain_text("Campaign")
    # The chooser stays open with the focus where it was, for the next column.
    expect(chooser).to_have_attribute("open", "")
    expect(campaign).to_be_focused()
    expect(campaign).not_to_be_checked()
    expect(chooser.get_by_label("Phone number")).to_be_disabled()
    first_row = page.locator("#destination-table tbody tr").first
    expect(first_row.locator("td")).to_have_count(header.locator("th").count())
    # Remembered for this user and this list only.
    page.reload()
    expect(page.locator("#destination-table thead")).not_to_contain_text("Campaign")
    page.goto("/ringpools/")
    expect(page.locator("#ringpool-table thead")).to_contain_text("Campaign")


def test_typing_a_search_adds_one_history_entry(page, synced):
    login(page, "editor")
    page.goto("/destinations/")
    page.goto("/destinations/?status=discovered")
    before = page.evaluate("history.length")
    search = page.get_by_label("Search by number or campaign")
    search.press_sequentially("5550", delay=450)  # slower than the 300 ms debounce
    expect(page).to_have_url(re.compile(r"\?status=discovered&query=5550$"))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("history.length") == before + 1
    page.go_back()
    expect(page).to_have_url(re.compile(r"/destinations/\?status=discovered$"))
    expect(page.get_by_label("Search by number or campaign")).to_have_value("")
    expect(tab(page, "Discovered")).to_have_attribute("aria-current", "page")


def test_new_since_the_last_visit_links_to_those_destinations(page, synced, editor):
    last = timezone.now() - timedelta(days=60)
    OverviewVisit.objects.create(user=editor, seen_at=last)
    start = timezone.make_aware(
        timezone.datetime.combine(timezone.localdate(last), timezone.datetime.min.time())
    )
    expected = Destination.objects.filter(created_at__gte=start).count()
    assert 0 < expected < Destination.objects.count()
    login(page, "editor")
    page.goto("/")
    card = page.locator(".new-since")
    expect(card.locator(".stat-value")).to_have_text(f"{expected:,}")
    card.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/destinations/\?created_from=\d{4}-\d\d-\d\d$"))
    expect(tab(page, "All").locator(".count")).to_have_text(f"{expected:,}")
    # Searching keeps the filter (it travels with the form).
    page.get_by_label("Search by number or campaign").fill("5")
    expect(page).to_have_url(re.compile(r"\?query=5&created_from=\d{4}-\d\d-\d\d$"))
