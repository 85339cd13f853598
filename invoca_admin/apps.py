from django.apps import AppConfig
from django.db.models.signals import post_migrate

EDITORS_GROUP = "Editors"
EDITOR_PERMISSIONS = [
    ("destinations", "change_destination"),  # ignore / un-ignore
    ("destinations", "delete_destination"),
    ("ringpools", "add_ringpool"),
    ("ringpools", "change_ringpool"),
    ("ringpools", "delete_ringpool"),
    ("invoca_admin", "add_syncrun"),  # "Sync now"
]


def ensure_editors_group(**kwargs) -> None:
    """The documented 'Editors' group: everything a network administrator may change."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    perms = [
        Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        for app, codename in EDITOR_PERMISSIONS
    ]
    group.permissions.add(*[p for p in perms if p is not None])


class InvocaAdminConfig(AppConfig):
    name = "invoca_admin"
    verbose_name = "Invoca admin"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from . import deploy  # noqa: F401 (registers the SECRET_KEY deployment check)

        # After every app migrates (idempotent): the permissions of later apps exist by then.
        post_migrate.connect(ensure_editors_group, dispatch_uid="ensure_editors_group")
        user_logged_out.connect(say_logged_out)


def say_logged_out(sender, request, user, **kwargs) -> None:
    from django.contrib import messages

    messages.info(request, "You are logged out.")
