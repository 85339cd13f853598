"""The sandbox's HTTP server: Invoca's Network API paths over ``http.server``.

Paths look like ``/api/<YYYY-MM-DD>/<network_id>/<path>.json``; the
``Authorization`` header must carry the bare token.  Two control endpoints
sit outside the API and are never subject to faults:
``GET /_sandbox/health`` (no auth) and ``GET|POST /_sandbox/faults``.
"""

from __future__ import annotations

import hmac
import json
import re
import socket
import sys
import threading
import traceback
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .data import SORTABLE_FIELDS, STATUSES, SandboxState
from .errors import ApiError

MAX_BODY = 1024 * 1024
_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT_RE = re.compile(r"^\d+$")
_NO_BODY = object()
_BAD_JSON = object()


class SandboxServer(ThreadingHTTPServer):
    """A threading HTTP server that owns a ``SandboxState``."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], state: SandboxState, *, verbose: bool = False
    ) -> None:
        self.state = state
        self.verbose = verbose
        self.stopping = threading.Event()
        self._serving = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, SandboxHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        self._serving.set()
        try:
            super().serve_forever(poll_interval)
        finally:
            self._serving.clear()

    def wait_until_serving(self, timeout: float = 5.0) -> bool:
        return self._serving.wait(timeout)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers, close open connections and the socket."""
        self.stopping.set()
        if self._serving.is_set():
            self.shutdown()
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    state: SandboxState | None = None,
    verbose: bool = False,
    **options: Any,
) -> SandboxServer:
    """Bind a sandbox server (port 0 picks a free port).  ``options`` go to ``SandboxState``."""
    if state is None:
        state = SandboxState(**options)
    elif options:
        raise TypeError("pass either state or SandboxState options, not both")
    return SandboxServer((host, port), state, verbose=verbose)


def serve_forever(server: SandboxServer) -> None:
    """Serve until Ctrl-C (KeyboardInterrupt), then shut down cleanly."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    server_version = "InvocaSandbox/1.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after this
    server: SandboxServer

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -- plumbing ------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        split = urlsplit(self.path)
        path = split.path
        query = {key: values[-1] for key, values in parse_qs(split.query).items()}
        try:
            body = self._read_body()
        except ApiError as exc:
            self.close_connection = True
            self._send_json(exc.status, exc.body)
            return
        if path.startswith("/_sandbox/"):
            self._control(method, path, body)
            return
        state.log_request(method, path, query)
        if state.outage:
            self._drop()
            return
        delay = state.delay_for(path)
        if delay > 0 and self.server.stopping.wait(delay):
            self._drop()
            return
        if state.outage:
            self._drop()
            return
        try:
            self._check_auth()
            handle = state.take_failure()
            if handle is not None:
                raise ApiError.internal(handle)
            status, payload = route(state, method, path, query, body)
        except ApiError as exc:
            status, payload = exc.status, exc.body
        except Exception:  # a sandbox bug: answer like Invoca, keep the traceback
            traceback.print_exc(file=sys.stderr)
            error = ApiError.internal(state.new_error_handle())
            status, payload = error.status, error.body
        self._send_json(status, payload)

    def _check_auth(self) -> None:
        given = self.headers.get("Authorization", "")
        expected = self.server.state.token
        if not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise ApiError.unauthorized()

    def _read_body(self) -> Any:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raw = self._read_chunked()
        else:
            length_header = self.headers.get("Content-Length") or "0"
            if not _INT_RE.match(length_header.strip()):
                raise ApiError.invalid("Invalid Content-Length.")
            length = int(length_header)
            if length > MAX_BODY:
                raise ApiError.invalid("Request body too large.")
            raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return _NO_BODY
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            text = raw.decode("utf-8", errors="replace")
            return {key: values[-1] for key, values in parse_qs(text).items()}
        try:
            return json.loads(raw)
        except ValueError:
            return _BAD_JSON

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise ApiError.invalid("Invalid chunked body.") from None
            if size == 0:
                # trailer lines until the blank line
                for _ in range(100):
                    if self.rfile.readline(1024) in (b"\r\n", b"\n", b""):
                        break
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise ApiError.invalid("Request body too large.")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _drop(self) -> None:
        """Close the connection with no reply: the client sees a connection error."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _control(self, method: str, path: str, body: Any) -> None:
        state = self.server.state
        if path == "/_sandbox/health" and method == "GET":
            self._send_json(200, {"ok": True, "destinations": state.destination_count()})
            return
        try:
            self._check_auth()
            if path != "/_sandbox/faults" or method not in ("GET", "POST"):
                raise ApiError.not_found(f"No route matches [{method}] {path}")
            if method == "POST":
                if body is _BAD_JSON or not isinstance(body, dict):
                    raise ApiError.invalid("Expected a JSON object of fault settings.")
                changes = dict(body)
                if changes.pop("reset", False):
                    state.reset_faults()
                try:
                    state.set_faults(**changes)
                except ValueError as exc:
                    key, _, message = str(exc).partition(": ")
                    raise ApiError.field(key, message) from None
            self._send_json(200, {"faults": state.faults()})
        except ApiError as exc:
            self._send_json(exc.status, exc.body)


# -- routing -------------------------------------------------------------------


def route(
    state: SandboxState, method: str, path: str, query: dict[str, str], body: Any
) -> tuple[int, Any]:
    """Answer one authorised API request: (status, JSON payload)."""
    parts = path.split("/")
    # ["", "api", version, network, *rest]
    if len(parts) < 5 or parts[1] != "api" or not parts[-1].endswith(".json"):
        raise _no_route(method, path)
    version, network = parts[2], unquote(parts[3])
    if not _valid_version(version):
        raise _no_route(method, path)
    if network != state.network_id:
        raise ApiError.not_found(f"Could not find Network {network[:64]}")
    rest = [unquote(part) for part in parts[4:]]
    rest[-1] = rest[-1][: -len(".json")]
    if any(not part for part in rest):
        raise _no_route(method, path)
    if body is _BAD_JSON:
        raise ApiError.invalid("Invalid JSON in request body.")
    if body is _NO_BODY:
        body = {}

    if rest[0] == "customer_phone_numbers":
        return _destinations(state, method, path, rest, query)
    if rest[0] in ("advertisers", "advertiser"):
        return _advertisers(state, method, path, rest, query, body)
    raise _no_route(method, path)


def _valid_version(version: str) -> bool:
    if not _VERSION_RE.match(version):
        return False
    try:
        date.fromisoformat(version)
    except ValueError:
        return False
    return True


def _no_route(method: str, path: str) -> ApiError:
    return ApiError.not_found(f"No route matches [{method}] {path[:200]}")


def _destinations(
    state: SandboxState, method: str, path: str, rest: list[str], query: dict[str, str]
) -> tuple[int, Any]:
    if len(rest) == 1 and method == "GET":
        return 200, state.list_destinations(**_list_params(query))
    if len(rest) == 2 and method in ("GET", "DELETE"):
        if not _INT_RE.match(rest[1]):
            raise ApiError.not_found(f"Could not find CustomerPhoneNumber {rest[1][:64]}")
        dest_id = int(rest[1])
        if method == "GET":
            return 200, state.get_destination(dest_id)
        state.delete_destination(dest_id)
        return 200, {}
    raise _no_route(method, path)


def _list_params(query: dict[str, str]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    params: dict[str, Any] = {}
    for key, default in (("limit", 100), ("start", 0)):
        raw = query.get(key, "").strip()
        if not raw:
            params[key] = default
        elif not re.match(r"^[+-]?\d+$", raw):
            errors[key] = ["is not a number"]
        elif int(raw) < 0:
            errors[key] = ["must be greater than or equal to 0"]
        else:
            params[key] = int(raw)
    status = query.get("status", "").strip().lower()
    if status and status not in STATUSES:
        errors["status"] = ["is not included in the list"]
    params["status"] = status or None
    sort_by = query.get("sort_by", "").strip() or "id"
    if sort_by not in SORTABLE_FIELDS:
        errors["sort_by"] = ["is not included in the list"]
    params["sort_by"] = sort_by
    sort_dir = query.get("sort_dir", "").strip().lower() or "asc"
    if sort_dir not in ("asc", "desc"):
        errors["sort_dir"] = ["is not included in the list"]
    params["sort_dir"] = sort_dir
    params["query"] = query.get("query")
    if errors:
        raise ApiError.fields(errors)
    return params


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "t", "yes")


def _advertisers(
    state: SandboxState,
    method: str,
    path: str,
    rest: list[str],
    query: dict[str, str],
    body: Any,
) -> tuple[int, Any]:
    size = len(rest)
    if size == 1 and method == "GET":
        return 200, state.list_advertisers()
    adv = rest[1] if size > 1 else ""
    if size == 2 and method == "GET":
        return 200, state.get_advertiser(adv)
    if size < 3 or rest[2] not in ("advertiser_campaigns", "advertiser_campaign"):
        raise _no_route(method, path)
    if size == 3 and method == "GET":
        return 200, state.list_campaigns(adv)
    camp = rest[3] if size > 3 else ""
    if size == 4 and method == "GET":
        return 200, state.get_campaign(adv, camp)
    if size < 5 or rest[4] != "ring_pools" or size > 6:
        raise _no_route(method, path)
    pool = rest[5] if size == 6 else None
    if method in ("POST", "PUT") and not isinstance(body, dict):
        raise ApiError.invalid("Request body must be a JSON object.")
    if pool is None:
        if method == "GET":
            return 200, state.list_ring_pools(adv, camp)
        if method == "POST":
            return state.post_ring_pool(adv, camp, None, body)
        raise _no_route(method, path)
    if method == "GET":
        return 200, state.get_ring_pool(adv, camp, pool)
    if method == "POST":
        return state.post_ring_pool(adv, camp, pool, body)
    if method == "PUT":
        return 200, state.put_ring_pool(adv, camp, pool, body)
    if method == "DELETE":
        flag = query.get("delete_detected_phone_number")
        if flag is None and isinstance(body, dict):
            flag = body.get("delete_detected_phone_number")
        state.delete_ring_pool(adv, camp, pool, delete_numbers=_truthy(flag or False))
        return 200, {}
    raise _no_route(method, path)
