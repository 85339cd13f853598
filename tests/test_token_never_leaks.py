"""The Invoca API token never leaves the Authorization header.

Every page is crawled (each URL pattern, full and as an htmx fragment) after a
real sync from the sandbox; then the connection check, a sync and a write are
driven through every failure Invoca can hand us (401, outage, 500 with an error
handle, timeout, connection refused). Every response body and header, every log
record (DEBUG and up) and every audit row is searched for the token.
"""

import logging
import re

import pytest
import requests
import responses
from django.contrib import admin
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from destinations import bulk
from destinations.models import Destination
from invoca_admin.models import AuditEntry, SyncRun
from ringpools.models import RingPool
from tests.destinations.conftest import make_destination
from tests.ringpools.conftest import load

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
TOKEN = "tok-5e3a9c1f-never-show-me"


class Leaks:
    """Collects every place the token could end up, and says where it did."""

    def __init__(self, token: str, caplog):
        self.token = token
        self.caplog = caplog
        self.responses = 0

    def response(self, label: str, response) -> None:
        self.responses += 1
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        )  # the CSV exports stream
        assert self.token.encode() not in body, f"token in the body of {label}"
        for name, value in response.items():
            assert self.token not in value, f"token in the {name} header of {label}"
        for morsel in response.cookies.values():
            assert self.token not in morsel.OutputString(), f"token in a cookie of {label}"

    def logs_and_audit(self) -> None:
        assert self.caplog.records, "logging was captured"
        for record in self.caplog.records:
            text = record.getMessage() + repr(record.args) + str(record.exc_info or "")
            assert self.token not in text, f"token in a log record of {record.name}"
        for row in AuditEntry.objects.values():
            assert self.token not in repr(row), "token in an audit row"
        for row in SyncRun.objects.values():
            assert self.token not in repr(row), "token in a sync run"


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue  # the admin is crawled through its registered models below
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _concrete(route: str, ids: dict[str, int]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)


def test_every_page_full_and_htmx(editor_client, admin_client, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    call_command("sync_invoca")
    leaks = Leaks(sandbox.token, caplog)
    ids = {
        "remote_id": Destination.objects.first().remote_id,
        "pk": RingPool.objects.first().pk,
        "uidb64": "MQ",  # Django's password-reset confirmation link
        "token": "set-password",
        "job_id": bulk.bulk_job_create(
            action="ignore", user=None, ids=[Destination.objects.first().remote_id]
        ).pk,
        "list_id": "destination",  # a list's column chooser
    }
    urls = sorted({_concrete(route, ids) for route in _patterns(get_resolver())})
    assert "/destinations/" in urls and "/healthz" in urls and "/connection/" in urls
    for url in urls:
        for extra in ({}, HX):
            leaks.response(url, editor_client.get(url, **extra))
    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        leaks.response(base, admin_client.get(base))
        first = model._default_manager.first()
        if first is not None:
            leaks.response(base, admin_client.get(f"{base}{first.pk}/change/"))
    leaks.response("/admin/", admin_client.get("/admin/"))
    leaks.logs_and_audit()
    assert leaks.responses > 2 * len(urls)


FAILURES = {
    "401": {"status": 401, "json": {"errors": {"class": "Unauthorized"}}},
    "outage": {"status": 503, "body": "Service Unavailable"},
    "500 with error handle": {"status": 500, "json": load("error_500.json")},
    "timeout": {"body": requests.Timeout("read timed out")},
    "connection refused": {"body": requests.ConnectionError("connection refused")},
}


@pytest.mark.parametrize("failure", FAILURES)
def test_failure_paths(editor_client, settings, monkeypatch, caplog, failure):
    settings.INVOCA_API_URL = "https://acme.invoca.net"
    settings.INVOCA_NETWORK_ID = "1234"
    settings.INVOCA_API_TOKEN = TOKEN
    monkeypatch.setattr("invoca_admin.invoca.transport.time.sleep", lambda seconds: None)
    caplog.set_level(logging.DEBUG)
    leaks = Leaks(TOKEN, caplog)
    destination = make_destination("805-555-0155", remote_id=555)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in (responses.GET, responses.POST, responses.PUT, responses.DELETE):
            mock.add(method, re.compile(r".*"), **FAILURES[failure])

        leaks.response("connection check", editor_client.get("/connection/", **HX))
        leaks.response("sync", editor_client.post("/sync/", **HX))
        leaks.response("sync page", editor_client.get("/"))
        leaks.response(
            "write", editor_client.post(f"/destinations/{destination.remote_id}/delete/")
        )
        leaks.response("audit page", editor_client.get("/audit/"))
        leaks.response(
            "destination page", editor_client.get(f"/destinations/{destination.remote_id}/")
        )

        assert mock.calls, "Invoca was called"
        sent = {call.request.headers.get("Authorization") for call in mock.calls}
    assert sent == {TOKEN}  # the token went where it belongs, so the search is not vacuous
    assert SyncRun.objects.get().status == "failed"
    assert AuditEntry.objects.filter(action="destination.delete", outcome="failed").exists()
    leaks.logs_and_audit()
