"""Ignore / un-ignore (local, audited) and delete (Invoca first, audited, 404 = deleted)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from destinations import services
from destinations.models import Destination, IgnoreRecord, PendingDelete, Status
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


class TestDeletesAProcessLeftBehind:
    """A delete is noted (`PendingDelete`) before it goes to Invoca, and the note leaves with
    its audit entry; one a dead process left is settled by the scheduler, asking Invoca."""

    def test_the_note_is_written_before_invoca_is_asked_and_leaves_with_the_audit(
        self, editor, invoca_settings, invoca_mock
    ):
        d = make_destination()
        seen = []

        def answer(request):
            seen.append(list(PendingDelete.objects.values_list("remote_id", "user")))
            return (200, {}, "{}")

        invoca_mock.add_callback("DELETE", DELETE_URL.format(id=d.remote_id), callback=answer)
        services.destination_delete(destination=d, user=editor)
        assert seen == [[(d.remote_id, editor.pk)]]
        assert not PendingDelete.objects.exists()
        assert audit_rows() == [("destination.delete", str(d.remote_id), "ok")]

    def test_a_failed_delete_takes_its_note_with_its_audit_entry(self, editor):
        d = make_destination()
        with pytest.raises(InvocaNotConfigured):
            services.destination_delete(destination=d, user=editor)
        assert not PendingDelete.objects.exists()

    def left_behind(self, destination, user, *, age: float):
        note = PendingDelete.objects.create(
            remote_id=destination.remote_id, phone_number=destination.phone_number, user=user
        )
        started = timezone.now() - timedelta(seconds=age)
        PendingDelete.objects.filter(pk=note.pk).update(started_at=started)
        return note

    def test_the_scheduler_audits_a_delete_invoca_received(self, synced, editor, settings):
        grace = settings.INVOCA_WRITE_TIMEOUT + settings.INVOCA_SYNC_STALE_SECONDS
        gone, kept, recent = Destination.objects.order_by("remote_id")[:3]
        synced.state.delete_destination(gone.remote_id)  # Invoca deleted it; then we died
        self.left_behind(gone, editor, age=grace + 1)
        self.left_behind(kept, editor, age=grace + 1)  # we died before Invoca heard of it
        self.left_behind(recent, editor, age=1)  # a request still running: left alone
        call_command("sync_scheduler", "--once")
        assert not Destination.objects.filter(remote_id=gone.remote_id).exists()
        assert Destination.objects.filter(remote_id=kept.remote_id).exists()
        entries = {e.target_id: e for e in AuditEntry.objects.filter(action="destination.delete")}
        assert set(entries) == {str(gone.remote_id), str(kept.remote_id)}
        assert entries[str(gone.remote_id)].outcome == "ok"
        assert "it is gone, so it was deleted" in entries[str(gone.remote_id)].detail
        assert entries[str(gone.remote_id)].user == editor
        assert entries[str(kept.remote_id)].outcome == "failed"
        assert "still there, not deleted" in entries[str(kept.remote_id)].detail
        assert list(PendingDelete.objects.values_list("remote_id", flat=True)) == [recent.remote_id]
        call_command("sync_scheduler", "--once")  # settled once: nothing is audited twice
        assert AuditEntry.objects.filter(action="destination.delete").count() == 2

    def test_a_note_waits_while_invoca_cannot_answer(self, synced, editor, settings):
        grace = settings.INVOCA_WRITE_TIMEOUT + settings.INVOCA_SYNC_STALE_SECONDS
        d = Destination.objects.first()
        note = self.left_behind(d, editor, age=grace + 1)
        synced.state.set_faults(outage=True)
        assert services.destination_deletes_settle() == 0
        assert not AuditEntry.objects.exists()
        assert PendingDelete.objects.get().pk == note.pk  # tried again after another grace
