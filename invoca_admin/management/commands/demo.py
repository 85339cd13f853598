"""`manage.py demo`: everything a newcomer needs, in one command.

Starts the sandbox (a stand-alone Invoca-compatible server) on loopback, points
the dashboard at it, migrates, creates a demo login, syncs the sandbox's data,
then runs the task worker and the web server until Ctrl-C, which stops every
process it started.
"""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand

from invoca_admin.apps import EDITORS_GROUP
from invoca_admin.management.processes import Supervisor

DEMO_TOKEN = "sandbox-demo-token"  # only ever valid against the local sandbox
DEMO_NETWORK = "1234"


class Command(BaseCommand):
    help = "Run the dashboard against a local sandbox with demo data (Ctrl-C stops everything)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--sandbox-port", type=int, default=8001)
        parser.add_argument("--destinations", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, port: int, sandbox_port: int, destinations: int, seed: int, **options):
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        child_env = {
            **os.environ,
            "INVOCA_API_URL": sandbox_url,
            "INVOCA_NETWORK_ID": DEMO_NETWORK,
            "INVOCA_API_TOKEN": DEMO_TOKEN,
            "DEBUG": os.environ.get("DEBUG", "True"),
            "PYTHONUNBUFFERED": "1",
        }
        settings.INVOCA_API_URL = sandbox_url
        settings.INVOCA_NETWORK_ID = DEMO_NETWORK
        settings.INVOCA_API_TOKEN = DEMO_TOKEN

        with Supervisor(child_env, out=self.stdout) as supervisor:
            self.stdout.write(
                f"Starting the Invoca sandbox on {sandbox_url} ({destinations} destinations)…"
            )
            sandbox = supervisor.start(
                "invoca_sandbox",
                "--port",
                str(sandbox_port),
                "--destinations",
                str(destinations),
                "--seed",
                str(seed),
                "--token",
                DEMO_TOKEN,
                "--network-id",
                DEMO_NETWORK,
            )
            supervisor.wait_for(f"{sandbox_url}/_sandbox/health", sandbox, timeout=30)

            call_command("migrate", interactive=False, verbosity=0)
            password = self._demo_users()
            self.stdout.write("Syncing the sandbox's data into the cache…")
            call_command("sync_invoca")

            supervisor.start("db_worker", "--interval", "0.5", "--no-reload", "--no-startup-delay")
            supervisor.start("sync_scheduler")
            web = supervisor.start("runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks")
            supervisor.wait_for(f"http://127.0.0.1:{port}/accounts/login/", web, timeout=30)

            line = "=" * 64
            self.stdout.write(
                self.style.SUCCESS(
                    f"\n{line}\n  Invoca admin demo is running: http://127.0.0.1:{port}/\n"
                    f"  Log in as  demo / {password}   (editor)\n"
                    f"         or  viewer / {password}   (read-only)\n"
                    f"  Press Ctrl-C to stop the dashboard, worker and sandbox.\n{line}\n"
                )
            )
            supervisor.watch()

    def _demo_users(self) -> str:
        """(Re)create the demo logins with a fresh password, printed once."""
        password = secrets.token_urlsafe(9)
        user_model = get_user_model()
        editors = Group.objects.get(name=EDITORS_GROUP)
        demo, _ = user_model.objects.get_or_create(username="demo")
        demo.set_password(password)
        demo.is_staff = True
        demo.save()
        demo.groups.add(editors)
        viewer, _ = user_model.objects.get_or_create(username="viewer")
        viewer.set_password(password)
        viewer.save()
        return password
