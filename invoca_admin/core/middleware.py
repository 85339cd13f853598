"""Middleware for htmx responses."""

from collections.abc import Callable

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers


class HtmxMessagesMiddleware:
    """Deliver Django messages after htmx requests too, and vary on HX-Request.

    A fragment answer carries the pending messages as an out-of-band swap of the
    layout's message area, so a message added by an htmx view is seen at once
    (and not on some later full page). `Vary: HX-Request` keeps browsers and
    caches from serving a fragment where a full page was asked for.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        htmx = getattr(request, "htmx", None)
        if (
            not htmx
            or htmx.history_restore_request
            or response.streaming
            or "HX-Redirect" in response.headers
            or "HX-Location" in response.headers
            or response.status_code in (204, 301, 302, 303)
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        storage = get_messages(request)
        if not storage:
            return response
        oob = render_to_string(
            "components/messages.html", {"messages": storage, "oob": True}, request=request
        )
        response.content += oob.encode(response.charset)
        return response
