"""Shared set-up for the benchmarks: a throw-away SQLite database and a sandbox process."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
NETWORK = "1234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(db_path: Path) -> None:
    """Point Django at a fresh SQLite file (or $DATABASE_URL if set) and migrate."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_path}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoca_admin.settings")
    os.environ["INVOCA_AUTO_SYNC"] = "False"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Render {% static %} without a collectstatic manifest (as DEBUG would, minus its costs).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    call_command("migrate", verbosity=0)


@contextmanager
def sandbox_process(*, destinations: int, latency_ms: int = 0, max_page_size: int = 500):
    """A sandbox in its own process (so it does not share our GIL), on loopback."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "sandbox",
            "--port",
            str(port),
            "--destinations",
            str(destinations),
            "--token",
            TOKEN,
            "--network-id",
            NETWORK,
            "--latency-ms",
            str(latency_ms),
            "--max-page-size",
            str(max_page_size),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("sandbox did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def configure_client(url: str) -> None:
    from django.conf import settings

    settings.INVOCA_API_URL = url
    settings.INVOCA_NETWORK_ID = NETWORK
    settings.INVOCA_API_TOKEN = TOKEN


def temp_db() -> Path:
    return Path(tempfile.mkdtemp(prefix="invoca-bench-")) / "bench.sqlite3"


def best_of(n: int, func) -> float:
    """The fastest of n runs, in seconds (the least disturbed by the rest of the machine)."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)
