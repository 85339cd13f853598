"""`manage.py serve` (what `make serve` runs): the dashboard in production mode.

Reads the settings (``.env`` and the environment), refuses to start without a real
``SECRET_KEY`` when ``DEBUG=False``, collects the static files, migrates, then runs
gunicorn on ``HOST:PORT`` (default ``127.0.0.1:8000``) and one task worker in the
foreground until Ctrl-C (or a plain ``kill``), which stops every process it started.
"""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from invoca_admin.deploy import require_secret_key
from invoca_admin.management.processes import Supervisor


def default_workers() -> int:
    """Gunicorn's rule of thumb (2 × cores + 1), at most 9; ``WEB_CONCURRENCY`` overrides."""
    return min(2 * (os.cpu_count() or 1) + 1, 9)


class Command(BaseCommand):
    help = "Serve the dashboard in production mode: gunicorn and a task worker (Ctrl-C stops)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 0) or 0)
        )

    def handle(self, *args, host: str, port: int, workers: int, **options) -> None:
        try:
            require_secret_key()
        except Exception as exc:
            raise CommandError(str(exc)) from None
        workers = workers or default_workers()
        self.stdout.write("Collecting static files…")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)

        with Supervisor({**os.environ, "PYTHONUNBUFFERED": "1"}, out=self.stdout) as supervisor:
            supervisor.start("db_worker", "--no-reload")
            supervisor.start("sync_scheduler")
            web = supervisor.start(
                str(Path(sys.executable).with_name("gunicorn")),
                "invoca_admin.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--forwarded-allow-ips",
                os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                manage=False,
            )
            shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
            scheme = "https" if settings.HTTPS else "http"
            supervisor.wait_for(f"http://{shown}:{port}/accounts/login/", web)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Invoca admin is serving on http://{host}:{port}/ ({workers} web workers "
                    f"and a task worker; DEBUG={settings.DEBUG}, HTTPS={settings.HTTPS}: "
                    f"users reach it at {scheme}://…). Press Ctrl-C to stop."
                )
            )
            supervisor.watch()
