"""Small helpers for htmx requests."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def is_partial(request: HttpRequest) -> bool:
    """True for an htmx request that wants a fragment.

    A history-restore request (the user pressed Back and htmx's cache missed)
    needs the full page, or the browser would show a bare fragment.
    """
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
