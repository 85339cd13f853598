"""GET /healthz: no login, no network data; 200 while the database answers, else 503."""

import json
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from invoca_admin.models import SyncRun

pytestmark = pytest.mark.django_db


def health(client):
    response = client.get("/healthz")
    return response, json.loads(response.content)


def task_row(**times) -> DBTaskResult:
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="invoca_admin.tasks.run_sync",
        backend_name="default",
        run_after=timezone.now(),
        **times,
    )


def test_without_login_on_a_fresh_database(client):
    response, body = health(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body == {
        "status": "ok",
        "database": "ok",
        "last_sync_age_seconds": None,
        "worker_last_seen_age_seconds": None,
        "worker_recent": False,
    }
    assert "no-store" in response["Cache-Control"]


def test_ages_of_the_last_good_sync_and_of_worker_activity(client, settings):
    now = timezone.now()
    SyncRun.objects.create(
        status="succeeded", finished_at=now - timedelta(seconds=300), destinations_total=98765
    )
    SyncRun.objects.create(status="failed", finished_at=now - timedelta(seconds=5))
    task_row(started_at=now - timedelta(seconds=70), finished_at=now - timedelta(seconds=60))
    _, body = health(client)
    assert 300 <= body["last_sync_age_seconds"] < 310
    assert 60 <= body["worker_last_seen_age_seconds"] < 70
    assert body["worker_recent"] is True
    assert "98765" not in json.dumps(body)  # no network numbers


def test_a_worker_not_seen_for_long_is_not_recent(client, settings):
    settings.HEALTHZ_WORKER_MAX_AGE = 600
    task_row(started_at=timezone.now() - timedelta(hours=2))
    _, body = health(client)
    assert body["worker_recent"] is False
    assert body["worker_last_seen_age_seconds"] >= 7200


def test_503_when_the_database_does_not_answer(client, monkeypatch):
    class Down:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("invoca_admin.selectors.connection", Down())
    response, body = health(client)
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["database"] == "unavailable"
    assert body["last_sync_age_seconds"] is None


def test_tells_nothing_of_the_network(client, editor, settings):
    settings.INVOCA_API_TOKEN = "tok-healthz-7731"
    settings.INVOCA_NETWORK_ID = "4242"
    SyncRun.objects.create(status="succeeded", finished_at=timezone.now(), triggered_by=editor)
    response, body = health(client)
    text = response.content.decode()
    for secret in ("tok-healthz-7731", "4242", "editor"):
        assert secret not in text
    assert set(body) == {
        "status",
        "database",
        "last_sync_age_seconds",
        "worker_last_seen_age_seconds",
        "worker_recent",
    }
