"""Error answers in the shapes Invoca documents."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An HTTP error answer: a status code and a JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body

    @classmethod
    def not_found(cls, message: str) -> ApiError:
        return cls(404, {"errors": {"class": "RecordNotFound", "invalid_data": message}})

    @classmethod
    def invalid(cls, message: str) -> ApiError:
        """403 with a single message (``invalid_data``)."""
        return cls(403, {"errors": {"class": "RecordInvalid", "invalid_data": message}})

    @classmethod
    def fields(cls, errors: dict[str, list[str]]) -> ApiError:
        """403 with per-field messages: ``{"errors": {"name": ["can't be blank"]}}``."""
        return cls(403, {"errors": errors})

    @classmethod
    def field(cls, name: str, message: str) -> ApiError:
        return cls.fields({name: [message]})

    @classmethod
    def unauthorized(cls) -> ApiError:
        return cls(401, {"errors": {"class": "NotAuthorized", "invalid_data": "Not authorized"}})

    @classmethod
    def internal(cls, handle: int) -> ApiError:
        return cls(
            500,
            {
                "errors": {
                    "class": "InternalServiceError",
                    "invalid_data": f"refer to error handle {handle}",
                }
            },
        )
