from django.core.management.base import BaseCommand, CommandError

from invoca_admin.core.models import SyncRun
from invoca_admin.sync import SyncAlreadyRunning, sync_claim, sync_execute


class Command(BaseCommand):
    help = "Sync destinations, advertisers, campaigns and ring pools from Invoca into the cache."

    def handle(self, *args, **options) -> None:
        try:
            run = sync_claim(trigger="command")
        except SyncAlreadyRunning as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Sync #{run.pk} started.")
        run = sync_execute(run)
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(f"Sync failed: {run.error}")
        self.stdout.write(
            self.style.SUCCESS(f"Sync #{run.pk} {run.get_status_display().lower()}: {run.summary}.")
        )
        for warning in filter(None, run.warnings.splitlines()):
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
