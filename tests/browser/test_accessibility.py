"""axe-core (WCAG 2 A and AA rules) on every page, in light and dark mode, finds nothing."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from destinations import bulk
from destinations.models import Destination
from invoca_admin.models import SavedView
from ringpools.models import RingPool
from tests.conftest import login, open_page

pytestmark = pytest.mark.browser

WCAG_AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    }
}


@pytest.fixture
def synced(sandbox, editor, transactional_db):
    call_command("sync_invoca")
    SavedView.objects.create(
        user=editor, list_id="destination", name="Tracked", query="status=tracked", is_default=True
    )
    return sandbox


def pages() -> list[str]:
    destination = Destination.objects.order_by("remote_id").first()
    pool = RingPool.objects.order_by("pk").first()
    job = bulk.bulk_job_create(action="ignore", user=None, ids=[destination.remote_id, 1])
    bulk.bulk_job_execute(job=bulk.bulk_job_claim(job_id=job.pk))
    return [
        "/",
        "/destinations/",
        "/destinations/?status=tracked",
        "/destinations/?status=ignored&query=000000",  # an empty list
        f"/destinations/{destination.remote_id}/",
        "/destinations/jobs/",
        f"/destinations/jobs/{job.pk}/",
        "/ringpools/",
        f"/ringpools/{pool.pk}/",
        "/ringpools/new/",
        f"/ringpools/{pool.pk}/edit/",
        f"/ringpools/{pool.pk}/delete/",
        "/audit/",
        "/views/",
        "/no-such-page/",
    ]


def violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe(browser, live_server, synced, scheme):
    with open_page(browser, live_server.url, color_scheme=scheme) as page:
        page.goto("/accounts/login/")
        found = {"/accounts/login/": violations(page)}
        login(page, "editor")
        for url in pages():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            found[url] = violations(page)
        # The list's saved-views menu, its column chooser and the navigation's menu, open.
        page.goto("/destinations/?status=discovered")
        page.locator("#destination-views summary").click()
        name = page.locator("#destination-views").get_by_label("Save this view as")
        name.fill("tracked")  # taken: a field error
        name.press("Enter")
        page.locator("#destination-view-name-error").wait_for()
        found["saved views menu"] = violations(page)
        page.keyboard.press("Escape")
        page.locator(".column-chooser summary").click()
        found["column chooser"] = violations(page)
        page.keyboard.press("Escape")
        page.locator("#nav-views summary").click()
        found["navigation menu"] = violations(page)
    assert {url: v for url, v in found.items() if v} == {}
