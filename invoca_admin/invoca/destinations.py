"""Destinations (customer phone numbers): list (paged), read, delete."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .errors import InvocaError
from .transport import Transport, _as_object, _segment
from .types import Destination, DestinationPage

DESTINATION_STATUSES = frozenset({"tracked", "ignored", "discovered"})
SORT_DIRECTIONS = frozenset({"asc", "desc"})


class DestinationsAPI(Transport):
    """``customer_phone_numbers``."""

    def list_destinations(
        self,
        *,
        start: int = 0,
        limit: int = 100,
        query: str | None = None,
        status: str | None = None,
        sort_by: str | None = None,
        sort_dir: str | None = None,
    ) -> DestinationPage:
        """One page of destinations. The server may send fewer rows than ``limit``."""
        if status is not None and status not in DESTINATION_STATUSES:
            allowed = ", ".join(sorted(DESTINATION_STATUSES))
            raise ValueError(f"status must be one of {allowed}, not {status!r}")
        if sort_dir is not None and sort_dir not in SORT_DIRECTIONS:
            raise ValueError(f"sort_dir must be 'asc' or 'desc', not {sort_dir!r}")
        params: dict[str, Any] = {"start": int(start), "limit": int(limit)}
        optional = {"query": query, "status": status, "sort_by": sort_by, "sort_dir": sort_dir}
        params.update({key: value for key, value in optional.items() if value not in (None, "")})
        payload = self._request("GET", "customer_phone_numbers", params=params, retry=True)
        if payload is None:
            payload = {}
        if not isinstance(payload, Mapping | list):
            raise InvocaError("Invoca sent an unexpected reply for the destination list.")
        return DestinationPage.from_api(payload, start=int(start))

    def iter_destination_pages(
        self, *, page_size: int = 100, **filters: Any
    ) -> Iterator[DestinationPage]:
        """Every page of destinations, one request after another.

        ``start`` advances by the rows actually *received* (the server may cap the
        limit), and paging stops once ``recordsTotal`` rows are covered or a page comes
        back empty — so a server that under-reports rows can't make this loop forever.
        The first page is always yielded (even when empty) so ``total`` is known.
        ``filters`` are ``query``, ``status``, ``sort_by``, ``sort_dir`` (and ``start``).
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        start = int(filters.pop("start", 0))
        first = True
        while True:
            page = self.list_destinations(start=start, limit=page_size, **filters)
            if page.rows or first:
                yield page
            first = False
            start += len(page.rows)
            if not page.rows or start >= page.total:
                return

    def iter_destinations(self, *, page_size: int = 100, **filters: Any) -> Iterator[Destination]:
        """Every destination, page after page (see :meth:`iter_destination_pages`)."""
        for page in self.iter_destination_pages(page_size=page_size, **filters):
            yield from page.rows

    def get_destination(self, destination_id: int) -> Destination:
        payload = self._request(
            "GET", f"customer_phone_numbers/{_segment(destination_id)}", retry=True
        )
        return Destination.from_api(_as_object(payload, "a destination"))

    def delete_destination(self, destination_id: int) -> None:
        """Delete a destination. A 404 on the first attempt raises :class:`InvocaNotFound`
        (the caller decides what that means); a 404 on a retry counts as deleted."""
        self._request(
            "DELETE",
            f"customer_phone_numbers/{_segment(destination_id)}",
            retry=True,
            missing_ok_on_retry=True,
        )
