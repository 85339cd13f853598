"""`manage.py demo`: everything a newcomer needs, in one command.

Starts the sandbox (a stand-alone Invoca-compatible server) on loopback, points
the dashboard at it, migrates, creates a demo login, syncs the sandbox's data,
then runs the task worker and the web server until Ctrl-C, which stops every
process it started.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from invoca_admin.apps import EDITORS_GROUP

DEMO_TOKEN = "sandbox-demo-token"  # only ever valid against the local sandbox
DEMO_NETWORK = "1234"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


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

        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        procs: list[subprocess.Popen] = []

        def start(*argv: str) -> subprocess.Popen:
            proc = subprocess.Popen(  # noqa: S603 (our own manage.py)
                [*manage, *argv], env=child_env, start_new_session=True
            )
            procs.append(proc)
            return proc

        def stop_all(*_args) -> None:
            for proc in procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)

        # Ctrl-C and a plain `kill` both stop everything (a shell that started us in the
        # background may have set SIGINT to be ignored: take it back).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.stdout.write(
                f"Starting the Invoca sandbox on {sandbox_url} ({destinations} destinations)…"
            )
            start(
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
            self._wait_for(f"{sandbox_url}/_sandbox/health", procs[0])

            call_command("migrate", interactive=False, verbosity=0)
            password = self._demo_users()
            self.stdout.write("Syncing the sandbox's data into the cache…")
            call_command("sync_invoca")

            start("db_worker", "--interval", "0.5", "--no-reload", "--no-startup-delay")
            web = start("runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks")
            self._wait_for(f"http://127.0.0.1:{port}/accounts/login/", web)

            line = "=" * 64
            self.stdout.write(
                self.style.SUCCESS(
                    f"\n{line}\n  Invoca admin demo is running: http://127.0.0.1:{port}/\n"
                    f"  Log in as  demo / {password}   (editor)\n"
                    f"         or  viewer / {password}   (read-only)\n"
                    f"  Press Ctrl-C to stop the dashboard, worker and sandbox.\n{line}\n"
                )
            )
            while all(proc.poll() is None for proc in procs):
                time.sleep(0.5)
            dead = next(proc for proc in procs if proc.poll() is not None)
            raise CommandError(f"A demo process stopped unexpectedly: {' '.join(dead.args[2:4])}")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            stop_all()
        self.stdout.write("Stopped.")

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

    def _wait_for(self, url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise CommandError(
                    f"{' '.join(proc.args[2:3])} exited while starting (code {proc.returncode})."
                )
            try:
                with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (loopback only)
                    return
            except OSError:
                time.sleep(0.2)
        raise CommandError(f"{url} did not answer within {timeout:.0f} s.")
