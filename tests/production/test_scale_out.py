"""Scale-out: two web processes (gunicorn) and two task workers (`manage.py db_worker`) on
one database — PostgreSQL on the CI's PostgreSQL pass (`bin/with-postgres`), else one
SQLite file — all on loopback, against the sandbox over HTTP.

Syncs started from both web processes at once run one at a time; bulk jobs, each
enqueued twice so that both workers reach for it, are each processed exactly once
(outcomes, audit rows and the deletes Invoca received are not doubled). Every process
is stopped at the end; each wait is bounded.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.production.test_serve import database_url, free_port  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "scale-out-password-91"
WAIT = 90  # seconds, at most, for any one thing to happen


@pytest.fixture(scope="module")
def cluster_sandbox():
    from sandbox.testing import running_sandbox

    # A little latency, so that a sync lasts long enough for the two to meet.
    with running_sandbox(destinations=200, seed=5, token="scale-token", latency_ms=15) as handle:
        yield handle


class Cluster:
    def __init__(self, database: str, sandbox, logs: Path):
        self.database = database
        self.logs = logs
        self.procs: list[subprocess.Popen] = []
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("INVOCA_", "DJANGO_")) and key not in ("DEBUG", "SECRET_KEY")
        }
        self.env.update(
            DEBUG="False",
            SECRET_KEY="scale-out-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=database,
            INVOCA_API_URL=sandbox.url,
            INVOCA_NETWORK_ID=sandbox.network_id,
            INVOCA_API_TOKEN=sandbox.token,
            INVOCA_AUTO_SYNC="False",
            PYTHONUNBUFFERED="1",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        self.web: list[str] = []

    def manage(self, *argv: str) -> str:
        done = subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "manage.py"), *argv],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def prepare(self) -> None:
        """Migrate the fresh database and create the superuser `admin`."""
        self.manage("migrate", "--no-input")
        self.manage(
            "createsuperuser", "--no-input", "--username", "admin", "--email", "admin@example.com"
        )

    def start(self, name: str, *argv: str) -> None:
        log = (self.logs / f"{name}.log").open("w")
        self.procs.append(
            subprocess.Popen(  # noqa: S603
                list(argv),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start_web(self, name: str) -> str:
        """A gunicorn web process (one worker) on a free port; its URL."""
        port = free_port()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.start(
            name, gunicorn, "invoca_admin.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"
        )
        self.web.append(f"http://127.0.0.1:{port}")
        return self.web[-1]

    def start_worker(self, name: str) -> subprocess.Popen:
        """A task worker (`manage.py db_worker`) polling five times a second."""
        manage = str(ROOT / "manage.py")
        self.start(
            name,
            sys.executable,
            manage,
            "db_worker",
            "--no-reload",
            "--interval",
            "0.2",
            "--no-startup-delay",
        )
        return self.procs[-1]

    def start_all(self) -> None:
        for n in (1, 2):
            self.start_web(f"web{n}")
            self.start_worker(f"worker{n}")
        for url in self.web:
            until(lambda url=url: answers(url + "/healthz"), f"{url} to answer")

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def sql(self, query: str, *params) -> list[tuple]:
        """Read the cluster's database directly (this process's Django uses the test one)."""
        if self.database.startswith("postgres"):
            import psycopg

            with psycopg.connect(self.database) as conn:
                return conn.execute(query.replace("?", "%s"), params).fetchall()
        import sqlite3

        with sqlite3.connect(self.database.removeprefix("sqlite:///")) as conn:
            return conn.execute(query, params).fetchall()


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def until(check, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    pytest.fail(f"Timed out waiting for {what}.")


def logged_in(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{url}/accounts/login/",
        data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def post(session: requests.Session, url: str, data: dict) -> requests.Response:
    return session.post(
        url,
        data=data,
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": url},
        timeout=30,
        allow_redirects=False,
    )


@pytest.fixture(scope="module")
def cluster(database_url, cluster_sandbox, tmp_path_factory):  # noqa: F811
    cluster = Cluster(database_url, cluster_sandbox, tmp_path_factory.mktemp("scale-out"))
    cluster.prepare()
    cluster.manage("sync_invoca")
    cluster.start_all()
    try:
        yield cluster
    finally:
        cluster.stop_all()
    assert all(proc.poll() is not None for proc in cluster.procs)


def test_syncs_started_from_both_web_processes_run_one_at_a_time(cluster):
    sessions = [logged_in(url) for url in cluster.web]
    before = cluster.sql("SELECT COUNT(*) FROM invoca_admin_syncrun")[0][0]
    answers = []
    start = threading.Barrier(4)

    def sync_now(session, url):
        start.wait()
        answers.append(post(session, f"{url}/sync/", {}).status_code)

    threads = [
        threading.Thread(target=sync_now, args=(sessions[n % 2], cluster.web[n % 2]))
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert answers == [302] * 4

    def settled() -> bool:
        running = "SELECT COUNT(*) FROM invoca_admin_syncrun WHERE status IN ('queued', 'running')"
        return cluster.sql(running)[0][0] == 0

    until(settled, "the syncs to finish")
    runs = cluster.sql(
        "SELECT started_at, finished_at, status FROM invoca_admin_syncrun ORDER BY id"
    )[before:]
    assert 1 <= len(runs) < 4  # the ones that met a running sync were refused
    assert all(status == "succeeded" for _s, _f, status in runs), runs
    for (_s1, finished, _), (started, _f2, _) in zip(runs, runs[1:], strict=False):
        assert str(finished) <= str(started)  # never two at once


def test_each_bulk_job_is_processed_once_by_two_workers(cluster, cluster_sandbox):
    sessions = [logged_in(url) for url in cluster.web]
    discovered = [
        row[0]
        for row in cluster.sql(
            "SELECT remote_id FROM destinations_destination "
            "WHERE status = 'discovered' ORDER BY remote_id"
        )
    ]
    ignore_slices = [discovered[n * 10 : (n + 1) * 10] for n in range(6)]
    assert all(len(chunk) == 10 for chunk in ignore_slices)
    deletes = [
        row[0]
        for row in cluster.sql("SELECT remote_id FROM destinations_destination ORDER BY remote_id")
        if row[0] not in discovered[:60]
    ][-10:]
    jobs = []
    for n, chunk in enumerate([*ignore_slices, deletes]):
        action = "delete" if chunk is deletes else "ignore"
        url = cluster.web[n % 2]
        answer = post(
            sessions[n % 2], f"{url}/destinations/bulk/", {"action": action, "ids": chunk}
        )
        assert answer.status_code == 302, answer.text[:300]
        location = answer.headers["Location"]
        assert re.search(r"/jobs/(\d+)/", location), location
        jobs.append(int(re.search(r"/jobs/(\d+)/", location).group(1)))
    # Each job a second time, so that both workers reach for the same jobs.
    cluster.manage(
        "shell",
        "-c",
        f"from destinations.tasks import run_bulk_job\nfor i in {jobs!r}: run_bulk_job.enqueue(i)",
    )

    def finished() -> bool:
        pending = cluster.sql(
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = 'destinations.tasks.run_bulk_job' AND status IN ('READY', 'RUNNING')"
        )
        return pending[0][0] == 0

    until(finished, "the workers to finish the jobs")
    results = cluster.sql(
        "SELECT status, return_value FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'destinations.tasks.run_bulk_job'"
    )
    # SQLite hands back the JSON text, psycopg the decoded value.
    values = sorted(
        json.loads(value) if value.startswith('"') else value for _status, value in results
    )
    assert [status for status, _ in results] == ["SUCCESSFUL"] * 14
    assert values == ["done"] * 7 + ["not claimed"] * 7

    rows = cluster.sql(
        "SELECT id, status, total, processed, done FROM destinations_bulkjob WHERE id IN "
        f"({', '.join('?' * len(jobs))}) ORDER BY id",
        *jobs,
    )
    assert [(status, total, processed, done) for _id, status, total, processed, done in rows] == [
        ("done", 10, 10, 10)
    ] * 6 + [("done", 10, 10, 10)]
    audit = cluster.sql(
        "SELECT action, COUNT(*), COUNT(DISTINCT target_id) FROM invoca_admin_auditentry "
        "WHERE action IN ('destination.ignore', 'destination.delete') "
        "GROUP BY action ORDER BY action"
    )
    assert audit == [("destination.delete", 10, 10), ("destination.ignore", 60, 60)]
    sent = [path for method, path, _q in cluster_sandbox.request_log if method == "DELETE"]
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 10  # each delete sent once
