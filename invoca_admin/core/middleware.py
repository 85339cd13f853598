"""Middleware: hostile parameters, private caching, and htmx messages."""

from collections.abc import Callable, Iterable

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers


def _has_nul(pairs: Iterable[tuple[str, str]]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def _pairs(params: QueryDict) -> Iterable[tuple[str, str]]:
    return ((key, value) for key, values in params.lists() for value in values)


class RejectNulMiddleware:
    """Answer 400 to a request whose parameters, cookies or headers hold a NUL character.

    PostgreSQL cannot store or compare text with NUL in it (psycopg raises), and no
    honest browser sends one; rejecting here, before any view, the Django admin or
    django-axes reads a parameter, covers every page at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        headers = ((k, v) for k, v in request.META.items() if k.startswith("HTTP_"))
        if (
            "\x00" in request.path_info
            or _has_nul(_pairs(request.GET))
            or _has_nul(request.COOKIES.items())
            or _has_nul(headers)
            or (request.method == "POST" and _has_nul(_pairs(request.POST)))
        ):
            return HttpResponseBadRequest(
                "The request holds a NUL character, which this site does not accept.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every answer to a logged-in user.

    Pages, htmx fragments and CSV exports show the network's data: neither a shared
    cache nor the browser's disk cache may keep them. Static files are served by
    WhiteNoise before this runs and keep their long-lived caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


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
