"""Request parsing that hostile input cannot turn into a server error.

- `safe_redirect_url()` picks where a POST goes back to: a `next` or the
  Referer, only when it stays on this site, else a named fallback.
- `parse_ids()` keeps the ids that fit a BigInteger column and drops the rest
  (an `__in` lookup with a larger number overflows SQLite's driver and is a
  DataError on PostgreSQL; `<int:...>` path ids are safe already, as Django
  answers an out-of-range exact lookup with no rows).
"""

import re
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

# Database ids: BigAutoField / BigIntegerField, positive.
ID_MAX = 2**63 - 1
_ID_RE = re.compile(r"[0-9]{1,19}")
# Longer than any URL the dashboard makes; a longer `next` is not ours.
NEXT_MAX_LENGTH = 2048
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _local_url(request: HttpRequest, url: str) -> str | None:
    """`url` as a path on this site, or None when it is not one (or not usable)."""
    if not url or len(url) > NEXT_MAX_LENGTH or _CONTROL_RE.search(url):
        return None
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        return None  # "foo" or "?x=1": relative to whatever URL was posted to
    return parts.path + (f"?{parts.query}" if parts.query else "")


def safe_redirect_url(request: HttpRequest, *, fallback: str, referer: bool = False) -> str:
    """Where to send the user back to: a safe `next` (POST, then GET), else the Referer
    when `referer` is true, else `fallback` (a URL name or a path).

    A `next` given more than once, naming another site, too long or holding control
    characters is ignored; this never raises for anything a client sends.
    """
    for params in (request.POST, request.GET):
        values = params.getlist("next")
        if values:
            if len(values) == 1 and (url := _local_url(request, values[0])):
                return url
            break  # the body's `next` was not usable: the query string's is not asked
    if referer and (url := _local_url(request, request.headers.get("referer", ""))):
        return url
    return resolve_url(fallback)


def parse_id(value: object) -> int | None:
    """A positive database id from text, or None for anything else."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None


def parse_ids(values: list[str]) -> list[int]:
    """The valid ids among `values` (see `parse_id`), each once, in order."""
    ids = (parse_id(value) for value in values)
    return list(dict.fromkeys(i for i in ids if i is not None))
