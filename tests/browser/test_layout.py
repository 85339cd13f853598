"""Log in, see the home page, sync, log out — in a real headless Chromium."""

import pytest
from playwright.sync_api import expect

from tests.conftest import login

pytestmark = pytest.mark.browser


def test_login_home_and_logout(page, editor):
    page.goto("/")
    assert "/accounts/login/" in page.url
    login(page, "editor")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("Invoca is not configured.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("You are logged out.")
    page.goto("/destinations/")
    assert "/accounts/login/" in page.url


def test_wrong_password_is_said_on_the_form(page, editor):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")


def test_live_connection_check_and_sync_now_with_progress(page, editor, sandbox):
    login(page, "editor")
    expect(page.get_by_text("120 destinations")).to_be_visible()
    expect(page.get_by_text("Never synced")).to_be_visible()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("Last synced")
    expect(page.locator("#sync-status")).to_contain_text("120 destinations")
    expect(page.locator("#messages")).to_contain_text("Sync started")
