"""The audit log can be trusted: append-only in code and in the admin, and it keeps
the user's name when the account is renamed or gone."""

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from invoca_admin.core.audit import audit_record
from invoca_admin.models import AuditEntry, AuditLogIsAppendOnly

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(editor) -> AuditEntry:
    return audit_record(
        user=editor,
        action="destination.ignore",
        target_type="destination",
        target_id=7,
        target_label="202-555-0107",
    )


class TestAppendOnlyInCode:
    def test_adding_works_and_keeps_the_name(self, entry):
        assert AuditEntry.objects.get().username == "editor"

    def test_saving_an_existing_entry_is_refused(self, entry):
        entry.detail = "rewritten"
        with pytest.raises(AuditLogIsAppendOnly):
            entry.save()
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEntry.objects.get().save(update_fields=["detail"])
        assert AuditEntry.objects.get().detail == ""

    def test_deleting_an_entry_is_refused(self, entry):
        with pytest.raises(AuditLogIsAppendOnly):
            entry.delete()
        assert AuditEntry.objects.count() == 1

    def test_bulk_update_and_delete_are_refused(self, entry):
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEntry.objects.filter(pk=entry.pk).update(outcome="failed")
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEntry.objects.all().delete()
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEntry.objects.update(detail="x")
        entry.detail = "x"
        with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
            AuditEntry.objects.bulk_update([entry], ["detail"])
        assert AuditEntry.objects.get().outcome == "ok"


class TestTheNameIsKept:
    def test_a_deleted_user_leaves_the_name_and_a_null_link(self, entry, editor, editor_client):
        other = User.objects.create_user("gone-user")
        audit_record(user=other, action="ring_pool.delete", target_type="ring_pool", target_id=1)
        other.delete()  # SET_NULL on the entries, which Django does through its base manager
        kept = AuditEntry.objects.get(action="ring_pool.delete")
        assert kept.user_id is None
        assert kept.username == "gone-user"
        html = editor_client.get("/audit/").content.decode()
        assert 'gone-user <span class="muted">(account removed)</span>' in html

    def test_a_renamed_user_keeps_the_old_name_on_old_entries(self, entry, editor):
        editor.username = "renamed"
        editor.save()
        assert AuditEntry.objects.get().username == "editor"

    def test_entries_without_a_user_are_the_system(self, editor_client):
        audit_record(user=None, action="destination.delete", target_type="destination", target_id=3)
        assert AuditEntry.objects.get().username == ""
        html = editor_client.get("/audit/").content.decode()
        assert "<td>system</td>" in html


class TestReadOnlyAdmin:
    def test_superuser_can_read_but_not_add_change_or_delete(self, admin_client, entry):
        base = "/admin/invoca_admin/auditentry/"
        listing = admin_client.get(base)
        assert listing.status_code == 200
        assert b"202-555-0107" in listing.content
        assert b"Add audit entry" not in listing.content
        assert b'name="action"' not in listing.content  # no bulk actions, so no delete
        assert admin_client.get(f"{base}add/").status_code == 403
        view = admin_client.get(f"{base}{entry.pk}/change/")
        assert view.status_code == 200  # view only
        assert b'name="_save"' not in view.content
        response = admin_client.post(f"{base}{entry.pk}/change/", {"detail": "rewritten"})
        assert response.status_code == 403
        assert admin_client.get(f"{base}{entry.pk}/delete/").status_code == 403
        assert admin_client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        response = admin_client.post(
            base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
        )
        assert AuditEntry.objects.count() == 1
        assert AuditEntry.objects.get().detail == ""


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_name_of_existing_entries():
    executor = MigrationExecutor(connection)
    executor.migrate([("invoca_admin", "0001_initial")])
    old_apps = executor.loader.project_state([("invoca_admin", "0001_initial")]).apps
    OldUser = old_apps.get_model("auth", "User")
    OldEntry = old_apps.get_model("invoca_admin", "AuditEntry")
    user = OldUser.objects.create(username="before-the-column")
    OldEntry.objects.create(user=user, action="x", target_type="t", target_id="1")
    OldEntry.objects.create(user=None, action="y", target_type="t", target_id="2")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    names = dict(AuditEntry.objects.values_list("action", "username"))
    assert names == {"x": "before-the-column", "y": ""}
