"""`make loadtest`: the site in production mode under 50 simulated users, with and without a sync.

    bin/with-postgres .venv/bin/python bench/loadtest.py [--users 50] [--seconds 60]
        [--destinations 20000]

What it runs, all on loopback: a sandbox process with ``--destinations`` rows, a fresh
database (PostgreSQL from $DATABASE_URL, else SQLite) migrated and synced once, then
``manage.py serve`` (DEBUG=False: gunicorn with $WEB_CONCURRENCY workers, the task worker
and the scheduler). Each simulated user is a thread with its own HTTP session (all logged
in as one bench user: the measurement is browsing, not password hashing) that requests a
mix of what admins do (overview, destination tabs, searches, sorts, deep pages, the ring
pool list, the audit log) back to back, with a timeout on every request.

Two phases of ``--seconds`` each: **quiet** (no sync) and **during sync** (``sync_invoca``
runs again and again in its own process, so a sync is writing throughout). The report
gives, per phase: requests, errors, throughput, p50 and p95 latency. Bounded: every phase
ends on time, every request times out after 30 s, every process is stopped afterwards.
"""

import argparse
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import NETWORK, ROOT, TOKEN, free_port, sandbox_process  # noqa: E402

USERNAME = "loadtest"
PASSWORD = secrets.token_urlsafe(16)

#: What an admin does, weighted by how often (paths relative to the site's root).
REQUESTS = [
    (3, "/destinations/"),
    (2, "/destinations/?status=discovered"),
    (1, "/destinations/?status=tracked"),
    (1, "/destinations/?status=ignored"),
    (2, "/destinations/?query={digits}"),
    (1, "/destinations/?sort_by=updated&sort_dir=desc"),
    (1, "/destinations/?sort_by=campaign&sort_dir=desc"),
    (1, "/destinations/?page={page}"),
    (1, "/"),
    (1, "/ringpools/"),
    (1, "/audit/"),
]
HTMX = {"HX-Request": "true"}


def manage(env: dict, *argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *argv],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def database_url() -> tuple[str, str | None]:
    """A fresh database: a new one on the PostgreSQL server of $DATABASE_URL, else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='invoca-load-')) / 'db.sqlite3'}", None
    import psycopg

    name = f"loadtest_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}", name


def drop_database(name: str | None) -> None:
    if name is None:
        return
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(db_url: str, sandbox_url: str, port: int, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INVOCA_", "DJANGO_"))}
    env.update(
        DEBUG="False",
        HTTPS="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=db_url,
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        INVOCA_API_URL=sandbox_url,
        INVOCA_NETWORK_ID=NETWORK,
        INVOCA_API_TOKEN=TOKEN,
        INVOCA_AUTO_SYNC="False",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode})")
        try:
            requests.get(f"{url}/healthz", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError("the server did not come up")


def logged_in_cookies(url: str) -> requests.cookies.RequestsCookieJar:
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{url}/accounts/login/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login failed ({answer.status_code})")
    return session.cookies


class Phase:
    """The outcome of one phase: latencies (s) and errors, appended by the user threads."""

    def __init__(self, name: str):
        self.name = name
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.seconds = 0.0
        self.syncs = 0

    def report(self) -> str:
        n = len(self.latencies)
        ordered = sorted(self.latencies)
        p95 = ordered[int(0.95 * (n - 1))] * 1000 if n else float("nan")
        p50 = statistics.median(ordered) * 1000 if n else float("nan")
        return (
            f"| {self.name} | {n:,} | {len(self.errors)} | {n / self.seconds:.1f} | "
            f"{p50:.0f} | {p95:.0f} | {self.syncs} |"
        )


def simulated_user(url: str, cookies, phase: Phase, stop: float, rng: random.Random) -> None:
    session = requests.Session()
    session.cookies.update(cookies)
    weights = [w for w, _ in REQUESTS]
    while time.monotonic() < stop:
        path = rng.choices([p for _, p in REQUESTS], weights)[0].format(
            digits=rng.randrange(100, 999), page=rng.randrange(2, 200)
        )
        headers = HTMX if "?" in path and rng.random() < 0.7 else {}
        start = time.perf_counter()
        try:
            answer = session.get(f"{url}{path}", headers=headers, timeout=30)
            ok = answer.status_code == 200
            error = "" if ok else f"{answer.status_code} {path}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__} {path}"
        elapsed = time.perf_counter() - start
        with phase.lock:
            if error:
                phase.errors.append(error)
            else:
                phase.latencies.append(elapsed)


def keep_syncing(env: dict, phase: Phase, stop: float) -> None:
    while time.monotonic() < stop:
        manage(env, "sync_invoca", timeout=600)
        phase.syncs += 1


def run_phase(name: str, url: str, cookies, users: int, seconds: float, env=None) -> Phase:
    phase = Phase(name)
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=simulated_user, args=(url, cookies, phase, stop, random.Random(i)), daemon=True
        )
        for i in range(users)
    ]
    if env is not None:
        threads.append(threading.Thread(target=keep_syncing, args=(env, phase, stop), daemon=True))
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 660)
    phase.seconds = time.monotonic() - start
    return phase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--destinations", type=int, default=20_000)
    parser.add_argument("--web-workers", type=int, default=4)
    args = parser.parse_args()

    db_url, db_name = database_url()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        with sandbox_process(destinations=args.destinations, latency_ms=20) as sandbox_url:
            env = server_env(db_url, sandbox_url, port, args.web_workers)
            manage(env, "migrate", "--no-input")
            manage(
                env,
                "shell",
                "-c",
                "from django.contrib.auth import get_user_model;"
                f"get_user_model().objects.create_superuser({USERNAME!r}, '', {PASSWORD!r})",
            )
            manage(env, "sync_invoca", timeout=600)
            server = subprocess.Popen(  # noqa: S603
                [sys.executable, str(ROOT / "manage.py"), "serve"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                wait_until_up(url, server)
                cookies = logged_in_cookies(url)
                quiet = run_phase("quiet", url, cookies, args.users, args.seconds)
                busy = run_phase("during sync", url, cookies, args.users, args.seconds, env)
            finally:
                os.killpg(server.pid, signal.SIGINT)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
    finally:
        drop_database(db_name)

    database = "PostgreSQL" if db_name else "SQLite"
    print(
        f"\n{args.users} users, {args.seconds:g} s a phase, {args.destinations:,} destinations, "
        f"{database}, gunicorn with {args.web_workers} workers\n"
    )
    print("| phase | requests | errors | requests/s | p50 ms | p95 ms | syncs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for phase in (quiet, busy):
        print(phase.report())
    for phase in (quiet, busy):
        for error in sorted(set(phase.errors))[:10]:
            print(f"  {phase.name}: {error}")


if __name__ == "__main__":
    main()
