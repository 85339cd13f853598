"""The site's own error pages: 400, 403 (and a CSRF failure), 404, 405 and 500.

Every page says in plain words what happened and what to do. An htmx request gets
the same words in the ``X-Message`` header, which the layout's script shows in
the page (htmx does not swap error answers): never Django's debug page, never a
blank table.
"""

import logging
from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

PAGES = {
    400: (
        "That request could not be understood",
        "Something in the address or the form was not valid, so nothing was done.",
        "Go back and try again; if you followed a link, it may be out of date.",
    ),
    403: (
        "You do not have permission to do that",
        "Your account may look at this dashboard but not make this change.",
        "Ask an administrator to add you to the Editors group if you need to.",
    ),
    404: (
        "Not found",
        "There is nothing at this address. The record may have been deleted at Invoca "
        "and removed from the cache by a sync.",
        "Check the address, or find the record from the overview.",
    ),
    405: (
        "That action is not available here",
        "This address does not accept that kind of request, so nothing was done.",
        "Use the buttons in the dashboard rather than typing the address.",
    ),
}
CSRF_PAGE = (
    "Your session has expired",
    "The form you sent was older than your current session (or your browser did not "
    "send its security cookie), so it was refused and nothing was changed.",
    "Reload the page and log in again if asked, then repeat what you were doing.",
)


def _render(
    request: HttpRequest, status: int, page: tuple[str, str, str], *, reload: bool = False
) -> HttpResponse:
    title, explanation, advice = page
    context = {
        "status": status,
        "title": title,
        "explanation": explanation,
        "advice": advice,
        "reload": reload,
    }
    response = HttpResponse(
        render_to_string("errors/page.html", context, request=request), status=status
    )
    # Header values are Latin-1: keep the words ASCII-safe for the page script.
    response["X-Message"] = quote(f"{title}. {advice}")
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400, PAGES[400])


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 403, PAGES[403])


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404, PAGES[404])


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: say what to do (reload, log in again), not Django's reason."""
    logger.warning("CSRF check failed for %s %s: %s", request.method, request.path, reason)
    return _render(request, 403, CSRF_PAGE, reload=True)


def server_error(request: HttpRequest) -> HttpResponse:
    """A 500 page that needs neither the database nor the user (either may be what failed)."""
    try:
        body = render_to_string("500.html")
    except TemplateDoesNotExist:  # pragma: no cover - the template ships with the project
        body = "<h1>Something went wrong on our side</h1>"
    response = HttpResponse(body, status=500)
    response["X-Message"] = quote(
        "Something went wrong on our side. Try again in a moment; the details are in the "
        "server's log."
    )
    return response


class NotAllowedPageMiddleware:
    """Give an empty 405 (from ``require_http_methods``) the site's own page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            page = _render(request, 405, PAGES[405])
            page["Allow"] = response["Allow"]
            return page
        return response
