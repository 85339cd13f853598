"""`manage.py sync_scheduler`: keeps the cache younger than INVOCA_CACHE_TTL with nobody
browsing. `make serve` and `make demo` run it beside the task worker.

Every ``--interval`` seconds it marks the syncs and bulk jobs whose worker died as
failed (so that none stays "running" with nobody looking at it), settles the deletes
whose process died before it recorded Invoca's answer (it asks Invoca, and audits what
it finds), and queues a sync (for the task worker) when the cache is stale and none
runs. Page views never start work; this does. Any number of schedulers may run: the
one-sync-at-a-time guard lives in the database.
"""

import time

from django.core.management.base import BaseCommand

from destinations.bulk import bulk_job_expire_stale
from destinations.services import destination_deletes_settle
from invoca_admin.invoca import is_configured
from invoca_admin.sync import expire_stale_claims
from invoca_admin.tasks import sync_start_if_stale


class Command(BaseCommand):
    help = "Start a background sync whenever the cache is older than INVOCA_CACHE_TTL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once, then exit")

    def handle(self, *args, interval: float, once: bool, **options) -> None:
        while True:
            self.tick()
            if once:
                return
            time.sleep(max(1.0, interval))

    def tick(self) -> None:
        expired = expire_stale_claims()
        if expired:
            self.stdout.write(f"Marked {expired} sync run(s) of a stopped worker as failed.")
        expired = bulk_job_expire_stale()
        if expired:
            self.stdout.write(f"Marked {expired} bulk job(s) of a stopped worker as failed.")
        # Invoca's errors leave a delete unsettled until the next tick (see the service).
        settled = destination_deletes_settle() if is_configured() else 0
        if settled:
            self.stdout.write(f"Settled {settled} delete(s) a stopped process left.")
        run = sync_start_if_stale()
        if run is not None:
            self.stdout.write(f"Cache older than INVOCA_CACHE_TTL: queued sync #{run.pk}.")
