"""The transport every resource of the client shares: one ``requests.Session``, the
token in the ``Authorization`` header only, an explicit ``(connect, read)`` timeout on
every call, retries with backoff for idempotent calls, and Invoca's status codes
mapped to one exception tree (``errors.py``).

* The token is sent only in the ``Authorization`` header (never in a URL, a body,
  a log line, a ``repr`` or an error message).
* Retries use exponential backoff and full jitter on connection errors, timeouts,
  5xx and 429 (honouring ``Retry-After``), for idempotent calls only: GET, PUT,
  DELETE, and POST when the body carries an ``id_from_network`` (Invoca treats that
  as an upsert). 401/403/404 are never retried.
* Writes (DELETE, POST, PUT) have a budget of their own, ``write_timeout`` (the
  setting ``INVOCA_WRITE_TIMEOUT``), well under the web and worker limits: every
  attempt and every retry of a write ends within it. When a write gives up after a
  reply that never came (a read timeout, a connection dropped after sending), it
  raises :class:`InvocaUnavailable` with ``outcome_unknown=True``: the caller records
  that and re-checks with a GET. A non-idempotent POST is never retried.

One transport may be shared by threads making concurrent GETs: it keeps no
per-request state and its session pools up to ``POOL_MAXSIZE`` connections.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import socket
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from .errors import (
    InvocaAuthError,
    InvocaError,
    InvocaNotConfigured,
    InvocaNotFound,
    InvocaServerError,
    InvocaUnavailable,
    InvocaValidationError,
)

logger = logging.getLogger("invoca_admin.invoca")

DEFAULT_API_VERSION = "2022-08-01"

_ERROR_HANDLE_RE = re.compile(r"error handle\s*#?\s*([A-Za-z0-9-]+)", re.IGNORECASE)


# --- status -> exception ----------------------------------------------------------------------


def _json_or_none(response: requests.Response) -> Any:
    """The decoded JSON body, or ``None`` when the body is empty or not JSON (e.g. HTML)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _invalid_data(errors: Any) -> str | None:
    if isinstance(errors, Mapping):
        value = errors.get("invalid_data")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _field_errors(errors: Any) -> dict[str, list[str]]:
    """``{"name": ["can't be blank"]}`` -> the same, with every value a list of strings."""
    if not isinstance(errors, Mapping):
        return {}
    fields: dict[str, list[str]] = {}
    for key, value in errors.items():
        if key in ("class", "invalid_data"):
            continue
        messages = value if isinstance(value, list | tuple) else [value]
        fields[str(key)] = [str(message) for message in messages if message is not None]
    return fields


def _raise_for_status(response: requests.Response) -> None:
    """Raise the matching :class:`InvocaError` for a non-2xx reply; return for 2xx.

    Tolerates bodies that are not JSON (an HTML error page from a proxy): the
    message is then generic and the HTML goes nowhere near it.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    body = _json_or_none(response)
    payload = body if isinstance(body, dict) else None
    errors = payload.get("errors") if payload else None
    detail = _invalid_data(errors)

    if status == 401:
        raise InvocaAuthError(
            "Invoca rejected the API token (401). Check INVOCA_API_TOKEN.", status, payload
        )
    if status == 403:
        field_errors = _field_errors(errors)
        if isinstance(errors, list | str):  # not documented, but keep whatever was said
            detail = "; ".join(map(str, errors)) if isinstance(errors, list) else errors
        if detail:
            message = detail
        elif field_errors:
            message = "; ".join(
                f"{name}: {', '.join(messages)}" for name, messages in field_errors.items()
            )
        else:
            message = "Invoca refused the request as invalid (403)."
        raise InvocaValidationError(
            message, status, payload, field_errors=field_errors, non_field_message=detail
        )
    if status == 404:
        raise InvocaNotFound(
            detail or "Invoca could not find that record (404); it may have been deleted.",
            status,
            payload,
        )
    if status == 429 or status >= 500:
        match = _ERROR_HANDLE_RE.search(detail or "")
        handle = match.group(1) if match else None
        if handle:
            message = f"Invoca had an internal error (error handle {handle})."
        elif status == 429:
            message = "Invoca is limiting how fast we may call it (429). Try again in a minute."
        else:
            message = f"Invoca had an internal error ({status})."
        raise InvocaServerError(message, status, payload, error_handle=handle)
    message = f"Invoca refused the request ({status})."
    if detail:
        message = f"{message[:-1]}: {detail}"
    raise InvocaError(message, status, payload)


# --- transport failures -> plain words --------------------------------------------------------


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps: ``__cause__``, ``__context__``, ``.reason``, ``args``."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += [arg for arg in current.args if isinstance(arg, BaseException)]
        stack.extend(item for item in linked if isinstance(item, BaseException))


def _connection_reason(exc: BaseException) -> str:
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS (HTTPS) handshake failed"
    for link in _exception_chain(exc):
        if isinstance(link, ConnectionRefusedError):
            return "connection refused"
        if isinstance(link, socket.gaierror) or type(link).__name__ == "NameResolutionError":
            return "the host name could not be resolved"
        if isinstance(link, ConnectionResetError):
            return "the connection was reset"
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "resolve" in text:
        return "the host name could not be resolved"
    return "the connection failed"


WRITE_METHODS = frozenset({"DELETE", "POST", "PUT"})


def _reply_lost(exc: requests.RequestException) -> bool:
    """True when the request may have reached Invoca but its reply never came back (a read
    timeout, a connection dropped mid-way); False when it surely never left (refused,
    unresolvable host, a connect timeout, a failed TLS handshake)."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.Timeout | requests.exceptions.ChunkedEncodingError):
        return True
    if isinstance(exc, requests.ConnectionError):
        return _connection_reason(exc) not in (
            "connection refused",
            "the host name could not be resolved",
        )
    return False


def _retry_after_seconds(response: requests.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or ``None``."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _as_list(payload: Any, what: str) -> list[Mapping[str, Any]]:
    """A bare JSON array (Invoca's shape), also tolerating ``{"data": [...]}``."""
    if isinstance(payload, Mapping) and isinstance(payload.get("data"), list):
        payload = payload["data"]
    if not isinstance(payload, list):
        raise InvocaError(f"Invoca sent an unexpected reply for {what} (expected a list).")
    return [item for item in payload if isinstance(item, Mapping)]


def _as_object(payload: Any, what: str) -> Mapping[str, Any]:
    """A JSON object, also tolerating ``{"data": {...}}``."""
    if isinstance(payload, Mapping) and isinstance(payload.get("data"), Mapping):
        payload = payload["data"]
    if not isinstance(payload, Mapping):
        raise InvocaError(f"Invoca sent an unexpected reply for {what} (expected an object).")
    return payload


def _segment(value: Any) -> str:
    """One URL path segment, escaped (ids from the network are free strings)."""
    text = str(value).strip()
    if not text:
        raise ValueError("An Invoca id in a URL path may not be blank.")
    return quote(text, safe="")


def _has_id_from_network(data: Mapping[str, Any] | None) -> bool:
    return bool(data) and bool(str(data.get("id_from_network") or "").strip())


class _TokenAuth(AuthBase):
    """Puts the bare token in ``Authorization``.

    Passing it as ``auth=`` (rather than only as a header) means neither ``~/.netrc`` nor
    credentials in the URL can replace it, and requests drops it on a redirect to
    another host.
    """

    def __init__(self, token: str):
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._token
        return request

    def __repr__(self) -> str:
        return "_TokenAuth(<hidden>)"


# --- the client -------------------------------------------------------------------------------


class Transport:
    """Sends calls to one network's API and decodes the answers (see the module docstring)."""

    #: Connections kept per host, so concurrent page fetches reuse them.
    POOL_CONNECTIONS = 16
    POOL_MAXSIZE = 32
    #: Longest ``Retry-After`` honoured (seconds); longer values are capped to this.
    RETRY_AFTER_MAX = 30.0

    def __init__(
        self,
        *,
        api_url: str,
        network_id: str,
        token: str,
        api_version: str = DEFAULT_API_VERSION,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        write_timeout: float = 10.0,
        max_retries: int = 3,
        backoff_factor: float = 0.5,
        backoff_max: float = 8.0,
        session: requests.Session | None = None,
    ):
        if not api_url or not network_id or not token:
            raise InvocaNotConfigured(
                "Invoca is not configured: an API URL, a network id and a token are all needed."
            )
        parts = urlsplit(api_url.strip())
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host  # IPv6
        # Scheme, host and port only: any user:password in the URL is dropped, never shown.
        self._origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
        self.api_url = self._origin + parts.path.rstrip("/")
        self.network_id = str(network_id).strip()
        self.api_version = api_version or DEFAULT_API_VERSION
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.write_timeout = write_timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self._auth = _TokenAuth(token)
        self._base = f"{self.api_url}/api/{quote(self.api_version)}/{_segment(self.network_id)}/"
        self._owns_session = session is None
        self._session = session if session is not None else self._build_session()
        # Injectable for tests, so retries neither wait nor vary.
        self._sleep = time.sleep
        self._random = random.random

    @classmethod
    def _build_session(cls) -> requests.Session:
        session = requests.Session()
        # Retries are ours (they know which calls are idempotent); urllib3 must not add its own.
        adapter = HTTPAdapter(
            pool_connections=cls.POOL_CONNECTIONS, pool_maxsize=cls.POOL_MAXSIZE, max_retries=0
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(api_url={self.api_url!r}, network_id={self.network_id!r}, "
            f"api_version={self.api_version!r})"
        )

    # -- lifecycle --

    def close(self) -> None:
        """Close the session's pooled connections (only a session this client created)."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transport --

    @staticmethod
    def _headers(*, has_body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    def _backoff(self, attempt: int, response: requests.Response | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based).

        ``Retry-After`` wins when present (capped at ``RETRY_AFTER_MAX``); otherwise full
        jitter: a random share of ``backoff_factor * 2 ** (attempt - 1)``, capped at
        ``backoff_max``.
        """
        if response is not None:
            retry_after = _retry_after_seconds(response)
            if retry_after is not None:
                return min(retry_after, self.RETRY_AFTER_MAX)
        ceiling = min(self.backoff_max, self.backoff_factor * (2 ** (attempt - 1)))
        return ceiling * self._random()

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        retry: bool,
        missing_ok_on_retry: bool = False,
    ) -> Any:
        """Send one call (plus retries when ``retry``) and return the decoded JSON (or None).

        ``missing_ok_on_retry``: for deletes, a 404 met on a *retry* means an earlier
        attempt already deleted the record (its reply was lost), so it counts as success.
        """
        url = self._base + path + ".json"
        headers = self._headers(has_body=data is not None)
        attempts = 1 + (self.max_retries if retry else 0)
        write = method in WRITE_METHODS
        # A write and all its retries end within write_timeout (see the module docstring).
        deadline = time.monotonic() + self.write_timeout if write else None
        maybe_applied = False  # a write sent whose reply never came
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            timeout = self._timeout(deadline)
            started = time.monotonic()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=dict(params) if params else None,
                    json=data,
                    headers=headers,
                    auth=self._auth,
                    timeout=timeout,
                )
            except requests.RequestException as exc:
                elapsed_ms = (time.monotonic() - started) * 1000
                maybe_applied = maybe_applied or (write and _reply_lost(exc))
                error = self._unavailable(exc, timeout=timeout, outcome_unknown=maybe_applied)
                retryable = isinstance(
                    exc,
                    requests.Timeout
                    | requests.ConnectionError
                    | requests.exceptions.ChunkedEncodingError,
                )
                logger.warning(
                    "Invoca %s %s failed after %.0f ms (attempt %d/%d): %s",
                    method,
                    path,
                    elapsed_ms,
                    attempt,
                    attempts,
                    error.message,
                )
                wait = self._backoff(attempt)
                if not retryable or last or not self._time_left(deadline, wait):
                    raise error from exc
                self._sleep(wait)
                continue

            elapsed_ms = (time.monotonic() - started) * 1000
            status = response.status_code
            logger.log(
                logging.DEBUG if status < 400 else logging.WARNING,
                "Invoca %s %s -> %d in %.0f ms (attempt %d/%d)",
                method,
                path,
                status,
                elapsed_ms,
                attempt,
                attempts,
            )
            if 200 <= status < 300:
                return self._decode(response)
            if status == 404 and missing_ok_on_retry and attempt > 1:
                logger.info("Invoca %s %s: 404 on a retry, already deleted", method, path)
                return None
            if (status == 429 or status >= 500) and not last:
                wait = self._backoff(attempt, response)
                if self._time_left(deadline, wait):
                    self._sleep(wait)
                    continue
            _raise_for_status(response)  # always raises: the status is not 2xx
        raise AssertionError("unreachable")  # pragma: no cover

    #: Shortest read timeout worth another attempt of a write (seconds).
    MIN_WRITE_ATTEMPT = 0.5

    def _timeout(self, deadline: float | None) -> tuple[float, float]:
        """``(connect, read)`` for one attempt: a write's shrink to what its budget has left."""
        if deadline is None:
            return (self.connect_timeout, self.read_timeout)
        left = max(0.05, deadline - time.monotonic())
        return (min(self.connect_timeout, left), min(self.write_timeout, left))

    def _time_left(self, deadline: float | None, wait: float) -> bool:
        """Whether a retry after ``wait`` seconds still fits in a write's budget."""
        if deadline is None:
            return True
        return deadline - time.monotonic() - wait >= self.MIN_WRITE_ATTEMPT

    def _unavailable(
        self,
        exc: requests.RequestException,
        *,
        timeout: tuple[float, float] | None = None,
        outcome_unknown: bool = False,
    ) -> InvocaUnavailable:
        connect_timeout, read_timeout = timeout or (self.connect_timeout, self.read_timeout)
        if outcome_unknown:
            said = (
                f"Invoca did not answer within {self.write_timeout:g} seconds"
                if isinstance(exc, requests.Timeout)
                else "The connection to Invoca broke off before it answered"
            )
            return InvocaUnavailable(
                f"{said}: the change may or may not have been made.",
                timed_out=isinstance(exc, requests.Timeout),
                outcome_unknown=True,
            )
        if isinstance(exc, requests.ConnectTimeout):
            return InvocaUnavailable(
                f"Could not connect to Invoca at {self._origin} within "
                f"{connect_timeout:g} seconds.",
                timed_out=True,
            )
        if isinstance(exc, requests.Timeout):
            return InvocaUnavailable(
                f"Invoca did not answer within {read_timeout:g} seconds.", timed_out=True
            )
        if isinstance(exc, requests.ConnectionError):
            return InvocaUnavailable(
                f"Could not reach Invoca at {self._origin}: {_connection_reason(exc)}."
            )
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return InvocaUnavailable("The connection to Invoca broke off in the middle of a reply.")
        return InvocaUnavailable(
            f"Could not talk to Invoca at {self._origin} ({type(exc).__name__})."
        )

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        if not response.content or not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            raise InvocaError(
                f"Invoca sent a reply that is not JSON ({response.status_code}).",
                response.status_code,
            ) from None


def _reply_object(payload: Any) -> dict:
    """The reply of a write as a dict (``{}`` when empty), tolerating ``{"data": {...}}``."""
    if payload is None:
        return {}
    return dict(_as_object(payload, "a ring pool"))
