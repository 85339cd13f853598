"""Child processes of `manage.py demo` and `manage.py serve`: start them, wait until they
answer, and stop every one of them on Ctrl-C, a plain `kill`, or when one dies."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from http.client import HTTPConnection
from typing import TextIO
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import CommandError


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Supervisor:
    """Each child runs in its own session, so stopping it stops what it started too.

    Use it as a context manager: Ctrl-C or a plain `kill` ends the block quietly, and
    leaving the block in any way stops every child::

        with Supervisor(env, out=self.stdout) as supervisor:
            supervisor.start("db_worker")
            supervisor.watch()
    """

    def __init__(self, env: Mapping[str, str], *, out: TextIO = sys.stdout):
        self.env = dict(env)
        self.out = out
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> "Supervisor":
        self.handle_signals()
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        interrupted = exc_type is KeyboardInterrupt
        if interrupted:
            self.out.write("\nStopping…")
        self.stop_all()
        self.out.write("Stopped.")
        return interrupted

    def start(self, *argv: str, manage: bool = True) -> subprocess.Popen:
        """Start ``manage.py <argv>`` (or ``argv`` itself when not ``manage``)."""
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *argv] if manage else argv
        proc = subprocess.Popen(  # noqa: S603 (our own commands)
            list(command), env=self.env, start_new_session=True, cwd=settings.BASE_DIR
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def wait_for(self, url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
        """Until ``url`` answers (any status), or raise if ``proc`` exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise CommandError(f"{_name(proc)} exited while starting (code {proc.returncode}).")
            if _answers(url):
                return
            time.sleep(0.2)
        raise CommandError(f"{url} did not answer within {timeout:.0f} s.")

    def watch(self) -> None:
        """Block until a child dies (then raise) or the user interrupts."""
        while all(proc.poll() is None for proc in self.procs):
            time.sleep(0.5)
        dead = next(proc for proc in self.procs if proc.poll() is not None)
        raise CommandError(f"{_name(dead)} stopped unexpectedly (code {dead.returncode}).")

    @staticmethod
    def handle_signals() -> None:
        """Ctrl-C and a plain `kill` both stop everything (a shell that started us in the
        background may have set SIGINT to be ignored: take it back)."""
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)


def _answers(url: str) -> bool:
    """True when something answers ``url`` with any HTTP status (a redirect to HTTPS
    included: it is not followed)."""
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port or 80, timeout=2)
    try:
        connection.request("GET", parts.path or "/", headers={"Host": parts.netloc})
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def _name(proc: subprocess.Popen) -> str:
    args = [str(arg) for arg in proc.args]
    if len(args) > 2 and args[1].endswith("manage.py"):
        return args[2]
    return os.path.basename(args[0])
