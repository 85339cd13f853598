"""Ignore / un-ignore (local, audited) and delete (Invoca first, audited, 404 = deleted)."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from destinations import services
from destinations.models import Destination, IgnoreRecord, Status
from destinations.services import Outcome
from invoca_admin.invoca import InvocaNotConfigured, InvocaServerError
from invoca_admin.models import AuditEntry

from .conftest import DELETE_URL, ignore_locally, make_destination

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "invoca"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def audit_rows():
    return list(AuditEntry.objects.order_by("pk").values_list("action", "target_id", "outcome"))


class TestIgnore:
    def test_ignoring_a_discovered_destination_is_kept_locally_and_audited(self, editor):
        d = make_destination()
        assert services.destination_ignore(destination=d, user=editor) == Outcome.DONE
        d.refresh_from_db()
        assert d.status == Status.IGNORED
        record = IgnoreRecord.objects.get(remote_id=d.remote_id)
        assert record.ignored_by == editor
        assert audit_rows() == [("destination.ignore", str(d.remote_id), "ok")]

    def test_a_tracked_destination_cannot_be_ignored(self, editor):
        d = make_destination(pool=("13", "Pool"))
        assert services.destination_ignore(destination=d, user=editor) == Outcome.TRACKED
        assert not IgnoreRecord.objects.exists()
        assert Destination.objects.get(pk=d.pk).status == Status.TRACKED

    def test_ignoring_twice_changes_nothing(self, editor):
        d = make_destination()
        services.destination_ignore(destination=d, user=editor)
        assert services.destination_ignore(destination=d, user=editor) == Outcome.ALREADY
        assert IgnoreRecord.objects.count() == 1

    def test_unignore_removes_the_local_ignore(self, editor):
        d = make_destination()
        ignore_locally(d, user=editor)
        assert services.destination_unignore(destination=d, user=editor) == Outcome.DONE
        d.refresh_from_db()
        assert d.status == Status.DISCOVERED
        assert not IgnoreRecord.objects.exists()
        assert audit_rows() == [("destination.unignore", str(d.remote_id), "ok")]

    def test_an_ignore_made_in_invoca_cannot_be_undone_here(self, editor):
        from django.utils import timezone

        d = make_destination(status=Status.IGNORED, ignored_at=timezone.now())
        assert services.destination_unignore(destination=d, user=editor) == Outcome.INVOCA_IGNORED
        assert Destination.objects.get(pk=d.pk).status == Status.IGNORED

    def test_the_ignore_survives_a_resync(self, synced, editor):
        d = Destination.objects.filter(status=Status.DISCOVERED).first()
        services.destination_ignore(destination=d, user=editor)
        call_command("sync_invoca")
        call_command("sync_invoca")
        assert Destination.objects.get(remote_id=d.remote_id).status == Status.IGNORED


class TestDelete:
    def test_invoca_is_asked_first_then_the_row_goes(self, editor, invoca_settings, invoca_mock):
        d = make_destination()
        ignore_locally(d)
        invoca_mock.delete(DELETE_URL.format(id=d.remote_id), json={})
        assert services.destination_delete(destination=d, user=editor) == Outcome.DONE
        assert not Destination.objects.filter(pk=d.pk).exists()
        assert not IgnoreRecord.objects.exists()
        assert audit_rows() == [("destination.delete", str(d.remote_id), "ok")]

    def test_a_404_counts_as_already_deleted(self, editor, invoca_settings, invoca_mock):
        d = make_destination()
        invoca_mock.delete(
            DELETE_URL.format(id=d.remote_id), status=404, json=fixture("error_404.json")
        )
        assert services.destination_delete(destination=d, user=editor) == Outcome.ALREADY
        assert not Destination.objects.filter(pk=d.pk).exists()
        entry = AuditEntry.objects.get()
        assert entry.outcome == "ok" and "404" in entry.detail

    def test_a_server_error_keeps_the_row_and_audits_the_handle(
        self, editor, invoca_settings, invoca_mock, no_retry_wait
    ):
        d = make_destination()
        invoca_mock.delete(
            DELETE_URL.format(id=d.remote_id), status=500, json=fixture("error_500.json")
        )
        with pytest.raises(InvocaServerError) as caught:
            services.destination_delete(destination=d, user=editor)
        assert caught.value.error_handle == "1228118400"
        assert Destination.objects.filter(pk=d.pk).exists()
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.outcome, entry.error_handle) == (
            "destination.delete",
            "failed",
            "1228118400",
        )

    def test_not_configured_keeps_the_row_and_is_audited(self, editor):
        d = make_destination()
        with pytest.raises(InvocaNotConfigured):
            services.destination_delete(destination=d, user=editor)
        assert Destination.objects.filter(pk=d.pk).exists()
        assert audit_rows() == [("destination.delete", str(d.remote_id), "failed")]
