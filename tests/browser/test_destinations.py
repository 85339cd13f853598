"""The destinations list in a real Chromium, against the live sandbox."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from destinations.models import Destination, IgnoreRecord, Status
from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(page, editor, sandbox):
    """The sandbox synced into the cache, and the editor logged in on the list."""
    call_command("sync_invoca")
    login(page, "editor")
    page.goto("/destinations/")
    expect(page.get_by_role("heading", name="Destinations")).to_be_visible()
    page.evaluate("window.__sameDocument = true")  # gone if the page ever fully reloads
    return page


def rows(page):
    return page.locator("#destination-table tbody tr[id^=destination-]")


def tab(page, name):
    return page.locator("#destination-tabs a", has_text=name)


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_search_as_you_type(signed_in):
    page = signed_in
    target = Destination.objects.filter(status=Status.DISCOVERED).order_by("pk").first()
    digits = target.phone_digits
    typed = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    page.get_by_label("Search by number or campaign").press_sequentially(typed, delay=20)
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(target.phone_number)
    expect(page).to_have_url(re.compile(r"\?query=\(\d{3}\)%20\d{3}-\d{4}$"))
    assert same_document(page)
    page.get_by_label("Search by number or campaign").fill("no such number 000 000")
    expect(page.locator("#destination-table .empty")).to_contain_text(
        "No destinations match “no such number 000 000”."
    )


def test_status_tabs(signed_in):
    page = signed_in
    ignored = Destination.objects.filter(status=Status.IGNORED).count()
    tab(page, "Ignored").click()
    expect(page).to_have_url(re.compile(r"status=ignored"))
    expect(tab(page, "Ignored")).to_have_attribute("aria-current", "page")
    expect(rows(page)).to_have_count(ignored)
    expect(page.locator("#destination-table tbody .badge-tracked")).to_have_count(0)
    expect(page.locator("#destination-table tbody .badge-discovered")).to_have_count(0)
    assert same_document(page)


def test_sort_toggles_with_an_arrow(signed_in):
    page = signed_in
    header = page.locator("thead th", has_text="Phone number")
    expect(header).to_have_attribute("aria-sort", "ascending")
    lowest = Destination.objects.order_by("phone_digits").first().phone_number
    highest = Destination.objects.order_by("-phone_digits").first().phone_number
    expect(rows(page).first).to_contain_text(lowest)
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort_dir=desc"))
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(header).to_contain_text("▼")
    expect(rows(page).first).to_contain_text(highest)
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(rows(page).first).to_contain_text(lowest)


def test_back_button_restores_the_previous_view(signed_in):
    page = signed_in
    search = page.get_by_label("Search by number or campaign")
    tab(page, "Ignored").click()
    expect(page).to_have_url(re.compile(r"status=ignored"))
    ignored = rows(page).count()
    search.fill("Brand Search")
    expect(page).to_have_url(re.compile(r"query=Brand"))
    expect(page.locator("#destination-table")).to_have_attribute("data-query", "Brand Search")

    page.go_back()
    expect(page).to_have_url(re.compile(r"status=ignored$"))
    expect(rows(page)).to_have_count(ignored)
    expect(search).to_have_value("")
    expect(tab(page, "Ignored")).to_have_attribute("aria-current", "page")

    page.go_forward()
    expect(page).to_have_url(re.compile(r"query=Brand"))
    expect(search).to_have_value("Brand Search")

    page.reload()  # the URL alone rebuilds the same view
    expect(search).to_have_value("Brand Search")
    expect(tab(page, "Ignored")).to_have_attribute("aria-current", "page")
    expect(page.locator("html")).to_have_count(1)
    expect(page.locator("header.topbar")).to_be_visible()


def test_ignore_updates_the_row_in_place(signed_in):
    page = signed_in
    tab(page, "Discovered").click()
    expect(tab(page, "Discovered")).to_have_attribute("aria-current", "page")
    discovered = int(tab(page, "Discovered").locator(".count").inner_text())
    row = rows(page).first
    row_id = row.get_attribute("id")
    row.get_by_role("button", name="Ignore").click()
    row = page.locator(f"#{row_id}")
    expect(row.locator(".badge-ignored")).to_be_visible()
    expect(row).to_contain_text("by editor")
    expect(row.get_by_role("button", name="Un-ignore")).to_be_visible()
    expect(tab(page, "Discovered").locator(".count")).to_have_text(str(discovered - 1))
    expect(page.locator("#messages")).to_contain_text("Ignored")
    expect(page).to_have_url(re.compile(r"status=discovered"))
    assert same_document(page)
    remote_id = int(row_id.removeprefix("destination-"))
    assert IgnoreRecord.objects.filter(remote_id=remote_id).exists()


def test_delete_asks_first_then_removes_the_row(signed_in, sandbox):
    page = signed_in
    tab(page, "Discovered").click()
    expect(tab(page, "Discovered")).to_have_attribute("aria-current", "page")
    row = rows(page).first
    row_id = row.get_attribute("id")
    number = row.locator(".phone").inner_text()
    dialog = page.locator("#confirm-dialog")

    row.get_by_role("button", name="Delete").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Delete {number}")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#{row_id}")).to_be_visible()

    row.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text(f"Deleted {number} from Invoca.")
    expect(tab(page, "Discovered")).to_have_attribute("aria-current", "page")
    remote_id = int(row_id.removeprefix("destination-"))
    assert not Destination.objects.filter(remote_id=remote_id).exists()
    assert sandbox.state.find_destination(number) is None


def test_row_actions_name_their_number(signed_in):
    page = signed_in
    tab(page, "Discovered").click()
    expect(tab(page, "Discovered")).to_have_attribute("aria-current", "page")
    row = rows(page).first
    number = row.locator(".phone").inner_text()
    for action in ("Track", "Ignore", "Delete"):
        expect(
            row.get_by_role(
                "link" if action == "Track" else "button", name=f"{action} {number}", exact=True
            )
        ).to_be_visible()


def test_a_message_overlays_the_page_without_moving_it(signed_in):
    page = signed_in
    tab(page, "Discovered").click()
    expect(tab(page, "Discovered")).to_have_attribute("aria-current", "page")
    table = page.locator("#destination-table")
    before = table.bounding_box()
    rows(page).first.get_by_role("button", name="Ignore").click()
    expect(page.locator("#messages .message")).to_be_visible()
    assert table.bounding_box()["y"] == before["y"]


def test_deleting_a_tracked_number_warns_of_its_ring_pool(signed_in):
    page = signed_in
    tab(page, "Tracked").click()
    expect(tab(page, "Tracked")).to_have_attribute("aria-current", "page")
    row = rows(page).first
    pool = row.locator("td").nth(3).inner_text()
    row.get_by_role("button", name="Delete").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text(f"It is tracked by the ring pool “{pool}”")
    dialog.get_by_role("button", name="Cancel").click()


def test_keyboard_shortcuts(signed_in):
    page = signed_in
    page.locator("h1").click()  # nothing focused in a field
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = rows(page).nth(1)
    expect(second).to_have_class(re.compile(r"\brow-current\b"))
    page.keyboard.press("k")
    expect(rows(page).first).to_have_class(re.compile(r"\brow-current\b"))
    page.keyboard.press("x")
    expect(rows(page).first.locator("[data-select-row]")).to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("1 selected")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()


def test_shift_click_ticks_a_range(signed_in):
    page = signed_in
    boxes = page.locator("#destination-table [data-select-row]")
    boxes.nth(1).click()
    boxes.nth(4).click(modifiers=["Shift"])
    for n in range(1, 5):
        expect(boxes.nth(n)).to_be_checked()
    expect(boxes.nth(0)).not_to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("4 selected")


def test_focus_stays_after_sorting_and_row_actions(signed_in):
    page = signed_in
    page.locator("thead th", has_text="Campaign").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort_by=campaign"))
    expect(page.locator('[data-focus-key="sort-campaign"]')).to_be_focused()

    tab(page, "Discovered").click()
    expect(tab(page, "Discovered")).to_have_attribute("aria-current", "page")
    row = rows(page).first
    row_id = row.get_attribute("id")
    number = row.locator(".phone").inner_text()
    row.get_by_role("button", name=f"Ignore {number}", exact=True).click()
    expect(
        page.locator(f"#{row_id}").get_by_role("button", name=f"Un-ignore {number}")
    ).to_be_focused()


def test_undo_an_ignore_from_its_message(signed_in):
    page = signed_in
    tab(page, "Discovered").click()
    expect(tab(page, "Discovered")).to_have_attribute("aria-current", "page")
    discovered = tab(page, "Discovered").locator(".count").inner_text()
    row = rows(page).first
    row_id = row.get_attribute("id")
    number = row.locator(".phone").inner_text()
    row.get_by_role("button", name=f"Ignore {number}", exact=True).click()
    expect(page.locator(f"#{row_id} .badge-ignored")).to_be_visible()
    toast = page.locator("#messages .message", has_text=f"Ignored {number}.")
    toast.get_by_role("button", name=f"Undo: Un-ignore {number}").click()
    expect(page.locator(f"#{row_id} .badge-discovered")).to_be_visible()
    expect(tab(page, "Discovered").locator(".count")).to_have_text(discovered)
    expect(page.locator("#messages")).to_contain_text(f"{number} is no longer ignored.")
    expect(toast).to_have_count(0)
    remote_id = int(row_id.removeprefix("destination-"))
    assert not IgnoreRecord.objects.filter(remote_id=remote_id).exists()
    assert same_document(page)
