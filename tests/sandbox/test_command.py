"""The sandbox as a separate process: ``python -m sandbox`` and ``manage.py invoca_sandbox``."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not match:
        proc.kill()
        pytest.fail(f"no address line: {line!r} {proc.stderr.read()}")
    return proc, match.group(0)


def get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize(
    "entry",
    [["-m", "sandbox"], ["manage.py", "invoca_sandbox"]],
    ids=["python-m-sandbox", "manage-py"],
)
def test_runs_until_interrupted_then_exits_cleanly(entry):
    if entry[0] == "manage.py" and not (ROOT / "manage.py").exists():
        pytest.skip("no manage.py yet")
    env = {"INVOCA_API_TOKEN": "tok-from-env", "INVOCA_NETWORK_ID": "777"}
    args = [*entry, "--port", "0", "--destinations", "42", "--seed", "9", "--max-page-size", "10"]
    proc, url = start(args, env)
    try:
        assert get(f"{url}/_sandbox/health") == (200, {"ok": True, "destinations": 42})
        status, body = get(f"{url}/api/2022-08-01/777/customer_phone_numbers.json", "tok-from-env")
        assert status == 200 and len(body["data"]) == 10 and body["recordsTotal"] == 42
        assert get(f"{url}/api/2022-08-01/777/advertisers.json", "sandbox-token")[0] == 401
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "tok-from-env" not in out + err


@pytest.mark.parametrize("fault", [["--fail-rate", "1"], ["--outage"]], ids=["fail", "outage"])
def test_fault_options(fault):
    proc, url = start(["-m", "sandbox", "--port", "0", "--destinations", "5", *fault], {})
    try:
        if fault[0] == "--outage":
            with pytest.raises((OSError, http.client.HTTPException)):
                get(f"{url}/api/2022-08-01/1234/advertisers.json", "sandbox-token")
        else:
            status, body = get(f"{url}/api/2022-08-01/1234/advertisers.json", "sandbox-token")
            assert status == 500 and body["errors"]["class"] == "InternalServiceError"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_bad_option_is_refused():
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--fail-rate", "3"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2 and "fail-rate" in result.stderr
