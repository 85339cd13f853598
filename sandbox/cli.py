"""Command-line options shared by ``manage.py invoca_sandbox`` and ``python -m sandbox``."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from . import DEFAULT_API_VERSION
from .data import DEFAULT_NETWORK_ID, DEFAULT_TOKEN, SandboxState
from .server import SandboxServer, make_server, serve_forever

HOST = "127.0.0.1"  # loopback only, on purpose


def _bounded(kind: Callable[[str], Any], low: float, high: float | None = None) -> Callable:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid value: {text!r}") from None
        if value < low or (high is not None and value > high):
            limit = f"between {low} and {high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"must be {limit}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=_bounded(int, 0, 65535),
        default=8001,
        help="port on 127.0.0.1 (0 = any free port; default 8001)",
    )
    parser.add_argument(
        "--destinations",
        type=_bounded(int, 0),
        default=300,
        help="number of seeded destinations (default 300)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--fail-rate",
        type=_bounded(float, 0, 1),
        default=0.0,
        help="share of API requests answered 500 (0..1, default 0)",
    )
    parser.add_argument(
        "--latency-ms",
        type=_bounded(int, 0),
        default=0,
        help="delay added to every API request (default 0)",
    )
    parser.add_argument(
        "--max-page-size",
        type=_bounded(int, 1),
        default=500,
        help="largest page the destinations list returns (default 500)",
    )
    parser.add_argument(
        "--token", default=None, help="API token (default: $INVOCA_API_TOKEN or 'sandbox-token')"
    )
    parser.add_argument(
        "--network-id", default=None, help="network id (default: $INVOCA_NETWORK_ID or '1234')"
    )
    parser.add_argument(
        "--generate-ids",
        action="store_true",
        help="the network generates ring pool ids: a POST may leave out id_from_network",
    )
    parser.add_argument(
        "--outage",
        action="store_true",
        help="start in an outage: API connections close with no reply",
    )
    parser.add_argument(
        "--fail-after",
        type=_bounded(int, 0),
        default=None,
        help="answer 500 to every API request after this many",
    )
    parser.add_argument(
        "--timeout-path", default=None, help="requests whose path contains this hang --hang-seconds"
    )
    parser.add_argument(
        "--hang-seconds",
        type=_bounded(float, 0),
        default=30.0,
        help="how long --timeout-path requests hang (default 30)",
    )


def state_from_options(options: Mapping[str, Any], env: Mapping[str, str]) -> SandboxState:
    return SandboxState(
        destinations=options["destinations"],
        seed=options["seed"],
        token=options.get("token") or env.get("INVOCA_API_TOKEN") or DEFAULT_TOKEN,
        network_id=options.get("network_id") or env.get("INVOCA_NETWORK_ID") or DEFAULT_NETWORK_ID,
        max_page_size=options["max_page_size"],
        fail_rate=options["fail_rate"],
        latency_ms=options["latency_ms"],
        outage=options["outage"],
        fail_after=options.get("fail_after"),
        timeout_paths=options.get("timeout_path"),
        hang_seconds=options.get("hang_seconds", 30.0),
        generate_ids=bool(options.get("generate_ids")),
    )


def bind(options: Mapping[str, Any], *, verbose: bool = False) -> SandboxServer:
    """Build the state and bind the server; raises ``OSError`` if the port is taken."""
    state = state_from_options(options, os.environ)
    return make_server(HOST, options["port"], state=state, verbose=verbose)


def banner(server: SandboxServer) -> str:
    state = server.state
    return (
        f"Invoca sandbox listening on {server.url} "
        f"(API base {server.url}/api/{DEFAULT_API_VERSION}/{state.network_id}/, "
        f"{state.destination_count()} destinations, seed {state.seed}); Ctrl-C to stop"
    )


def run(server: SandboxServer, out: TextIO) -> None:
    """Print the one-line banner and serve until Ctrl-C or SIGTERM."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)
    out.write(banner(server) + "\n")
    out.flush()
    serve_forever(server)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
