"""Run the sandbox inside a test process.

from sandbox.testing import running_sandbox

with running_sandbox(destinations=500, seed=7) as sb:
    urllib.request.urlopen(f"{sb.base_url}/advertisers.json", ...)
    sb.state.fail_rate = 1.0          # change faults or data directly
    assert sb.request_log[-1][0] == "GET"
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import DEFAULT_API_VERSION
from .data import SandboxState
from .server import SandboxServer, make_server


@dataclass
class SandboxHandle:
    """What ``running_sandbox`` yields."""

    server: SandboxServer
    state: SandboxState
    api_version: str = DEFAULT_API_VERSION

    @property
    def url(self) -> str:
        """e.g. ``http://127.0.0.1:54321`` (what ``INVOCA_API_URL`` should be)."""
        return self.server.url

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def network_id(self) -> str:
        return self.state.network_id

    @property
    def base_url(self) -> str:
        """``{url}/api/{api_version}/{network_id}``: prefix of every API path."""
        return f"{self.url}/api/{self.api_version}/{self.network_id}"

    @property
    def request_log(self) -> list[tuple[str, str, dict[str, str]]]:
        """(method, path, query) of recent API requests, oldest first (bounded)."""
        return self.state.request_log

    def settings(self) -> dict[str, str]:
        """The ``INVOCA_*`` settings that point a client at this sandbox."""
        return {
            "INVOCA_API_URL": self.url,
            "INVOCA_API_VERSION": self.api_version,
            "INVOCA_NETWORK_ID": self.network_id,
            "INVOCA_API_TOKEN": self.token,
        }


@contextmanager
def running_sandbox(
    *,
    state: SandboxState | None = None,
    api_version: str = DEFAULT_API_VERSION,
    verbose: bool = False,
    **options: Any,
) -> Iterator[SandboxHandle]:
    """Serve a sandbox on 127.0.0.1 (free port) in a daemon thread for the ``with`` block.

    ``options`` are ``SandboxState`` keywords (``destinations``, ``seed``, ``token``,
    ``network_id``, ``max_page_size``, ``fail_rate``, ``latency_ms``, ``outage``,
    ``fail_after``, ``timeout_paths``, ``hang_seconds``); or pass a ready ``state``.
    """
    if state is None:
        state = SandboxState(**options)
    elif options:
        raise TypeError("pass either state or SandboxState options, not both")
    server = make_server("127.0.0.1", 0, state=state, verbose=verbose)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"invoca-sandbox-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    try:
        if not server.wait_until_serving(5.0):  # pragma: no cover
            raise RuntimeError("the sandbox server did not start")
        yield SandboxHandle(server=server, state=state, api_version=api_version)
    finally:
        server.stop()
        thread.join(timeout=5.0)
