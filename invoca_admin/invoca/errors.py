"""One exception hierarchy for everything that can go wrong talking to Invoca.

Every error carries a plain-language ``message`` meant for end users, the HTTP
``status`` when there was a reply, and the parsed JSON ``payload`` when the
reply was JSON (never an HTML error page). No message ever contains the API
token.
"""

from __future__ import annotations


class InvocaError(Exception):
    """Base class: ``message`` for people, ``status`` and ``payload`` for code."""

    def __init__(self, message: str, status: int | None = None, payload: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.payload = payload

    def __str__(self) -> str:
        return self.message


class InvocaNotConfigured(InvocaError):
    """INVOCA_API_URL, INVOCA_NETWORK_ID or INVOCA_API_TOKEN is missing from the settings."""


class InvocaAuthError(InvocaError):
    """401: Invoca rejected the API token."""


class InvocaValidationError(InvocaError):
    """403: Invoca rejected the arguments.

    Invoca sends one of two shapes:

    * ``{"errors": {"class": "RecordInvalid", "invalid_data": "..."}}`` — one message,
      kept in ``non_field_message`` (and ``message``);
    * ``{"errors": {"name": ["can't be blank"]}}`` — per-field messages, kept in
      ``field_errors`` (``message`` is then a joined summary).
    """

    def __init__(
        self,
        message: str,
        status: int | None = 403,
        payload: dict | None = None,
        *,
        field_errors: dict[str, list[str]] | None = None,
        non_field_message: str | None = None,
    ):
        super().__init__(message, status, payload)
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})
        self.non_field_message = non_field_message


class InvocaNotFound(InvocaError):
    """404: the record does not exist (or no longer exists) at Invoca."""


class InvocaServerError(InvocaError):
    """5xx (and 429 once retries are used up).

    ``error_handle`` is the number Invoca support asks for, parsed from
    ``"refer to error handle 1228118400"``; ``None`` when the body had none.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        payload: dict | None = None,
        *,
        error_handle: str | None = None,
    ):
        super().__init__(message, status, payload)
        self.error_handle = error_handle


class InvocaUnavailable(InvocaError):
    """No reply at all: a timeout or a connection error (always raised ``from`` the cause).

    ``outcome_unknown``: a write that may have reached Invoca but whose reply never came;
    whether it took effect must be re-checked.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        payload: dict | None = None,
        *,
        timed_out: bool = False,
        outcome_unknown: bool = False,
    ):
        super().__init__(message, status, payload)
        self.timed_out = timed_out
        self.outcome_unknown = outcome_unknown
