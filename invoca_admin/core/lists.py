"""The shared list component: every list page (destinations, ring pools, the audit log).

It works like Django admin's ChangeList. The list's state lives in the query string
(the API's own names: ``sort_by``, ``sort_dir``, ``page``, ``per_page`` and the
list's filters), checked by a ``ListForm`` in which every bad value falls back to its
default on its own. Sorting goes through an allow-list of public keys (the
selectors add the ``pk`` tiebreaker). A page is rendered whole, or, for an htmx
request, as its ``"<template>#table"`` partial; the server then tells htmx the
canonical URL to push (``HX-Push-Url``), so the address bar never shows empty or
default values. Back and Forward are htmx's own history: the layout keeps no
snapshots (``historyCacheSize: 0``), so a restore asks the server, which answers
with the full page (``is_partial`` is False for history-restore requests) and
htmx swaps its ``hx-history-elt``.

The templates are in ``templates/components/list.html``: tabs with counts, sort
headers, the pager with per-page choices, the state that travels with the filter
form, the empty state and the bulk selection bar.
"""

import csv
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django_htmx.http import push_url, replace_url

from . import preferences
from .htmx import HtmxHttpRequest, is_partial
from .models import LISTS, SavedView, SyncRun

#: The same choices on every list page. Any whole number of rows up to ``MAX_PER_PAGE``
#: is honoured (``per_page=10`` shows 10); a bigger one is clamped to it, and the page
#: says so; zero, negative or non-numbers give the list's default.
PER_PAGE_CHOICES = (25, 50, 100, 250, 500, 1000)
MAX_PER_PAGE = 1000
SORT_DIRS = ("asc", "desc")


class ListForm(forms.Form):
    """A list's state, parsed from the query string (or a bulk action's POST body).

    Subclasses add their filter fields and set ``sort_keys`` (the allow-list),
    ``default_sort_by``, ``default_per_page`` and ``state_order`` (the canonical
    order of the query string; ``page`` always comes last).
    """

    sort_keys: tuple[str, ...] = ()
    default_sort_by = ""
    default_sort_dir = "asc"
    default_per_page = PER_PAGE_CHOICES[1]
    state_order: tuple[str, ...] = ("sort_by", "sort_dir", "per_page")
    #: State with no visible input of its own: it travels with the filter form hidden.
    hidden_state: tuple[str, ...] = ("sort_by", "sort_dir")

    sort_by = forms.ChoiceField(required=False)
    sort_dir = forms.ChoiceField(required=False, choices=[(d, d) for d in SORT_DIRS])
    page = forms.IntegerField(required=False, min_value=1)
    per_page = forms.IntegerField(required=False, min_value=1)
    #: True when the query string asked for more than ``MAX_PER_PAGE`` rows.
    per_page_clamped = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["sort_by"].choices = [(key, key) for key in self.sort_keys]

    def clean_per_page(self) -> int | None:
        value = self.cleaned_data["per_page"]
        if value is not None and value > MAX_PER_PAGE:
            self.per_page_clamped = True
            return MAX_PER_PAGE
        return value

    @property
    def defaults(self) -> dict[str, Any]:
        defaults = dict.fromkeys(self.fields, "")
        defaults.update(
            sort_by=self.default_sort_by,
            sort_dir=self.default_sort_dir,
            page=None,
            per_page=self.default_per_page,
        )
        return defaults

    def value(self, name: str) -> Any:
        """The checked value of one field, or its default if it was missing or bad."""
        self.is_valid()
        default = self.defaults[name]
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    @property
    def page_number(self) -> int | None:
        return self.value("page")

    @property
    def page_size(self) -> int:
        return self.value("per_page")

    def canonical(self, *, page: int | None = None) -> QueryDict:
        """The canonical query string: only what differs from the defaults (so URLs stay
        short), in ``state_order``, with ``page`` as given."""
        values = {name: self.value(name) for name in self.state_order}
        state = QueryDict(mutable=True)
        for name in self.state_order:
            if values[name] not in (None, "") and values[name] != self.defaults[name]:
                state[name] = str(values[name])
        if page and page > 1:
            state["page"] = str(page)
        return state


def canonical_url(path: str, state: QueryDict) -> str:
    """``path`` with ``state`` encoded as the browser's htmx encodes it (encodeURIComponent),
    so the URL pushed for a request equals the one htmx itself would have built."""
    if not state:
        return path
    pairs = (
        f"{quote(key, safe='')}={quote(value, safe="-_.!~*'()")}"
        for key, values in state.lists()
        for value in values
    )
    return f"{path}?{'&'.join(pairs)}"


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a list table. ``key`` is its public sort key ("" if it does not sort)."""

    key: str
    label: str
    css: str = ""
    #: The column's id for the column chooser when it does not sort (``key`` is "").
    name: str = ""

    @property
    def id(self) -> str:
        return self.name or self.key


def sort_columns(form: ListForm, columns: tuple[Column, ...]) -> list[dict[str, Any]]:
    """The table's headers: each sortable one with the query string of its link (this
    list state sorted by it, the other way round when it is the sort, from page one)."""
    sort_by, sort_dir = form.value("sort_by"), form.value("sort_dir")
    base = form.canonical()
    result = []
    for column in columns:
        active = bool(column.key) and column.key == sort_by
        next_dir = "desc" if active and sort_dir == "asc" else "asc"
        result.append(
            {
                "key": column.key,
                "id": column.id,
                "label": column.label,
                "css": column.css,
                "active": active,
                "dir": sort_dir if active else "",
                "next_dir": next_dir,
                "qs": query_string(base, sort_by=column.key, sort_dir=next_dir)
                if column.key
                else "",
            }
        )
    return result


def query_string(state: QueryDict, **changes: str | None) -> str:
    """``state`` with ``changes`` (None removes a key; a new key goes last), as "?…"."""
    values = dict(state.lists())  # a shallow copy: QueryDict.copy() deep-copies each value
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = [value]
    if not values:
        return ""
    query = QueryDict(mutable=True)
    for key, items in values.items():
        query.setlist(key, items)
    return f"?{query.urlencode()}"


def tabs(
    form: ListForm, field: str, choices: tuple[tuple[str, str], ...], counts: dict[str, int]
) -> list[dict[str, Any]]:
    """Tabs over one field's choices ("" = all), each with its count and its link."""
    current = form.value(field)
    base = form.canonical()
    return [
        {
            "label": label,
            "count": counts.get(key or "all", 0),
            "current": key == current,
            "qs": query_string(base, **{field: key or None}),
        }
        for key, label in choices
    ]


def paginate(
    object_list: Any, form: ListForm, *, count: int | None = None, index_only: bool = False
) -> tuple[Page, list[Any]]:
    """The page the form asks for (a bad or stale number gives the first or the last page)
    and its elided page range. ``count``, when the caller already counted, saves a query.

    ``index_only`` (for a plain queryset, no annotations) reads a page in two steps: the
    primary keys of the page, which the sort index alone can answer however deep the
    page (the rows skipped are never read from the table), then those rows by key."""
    paginator = Paginator(object_list, form.page_size)
    if count is not None:
        paginator.count = count
    page = paginator.get_page(form.page_number)
    if index_only and isinstance(page.object_list, QuerySet):
        page.object_list = _rows_by_key(page.object_list)
    elided = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page, elided


def _rows_by_key(sliced: QuerySet) -> list[Any]:
    keys = list(sliced.values_list("pk", flat=True))
    if not keys:
        return []
    rows = sliced.model._default_manager.using(sliced.db).filter(pk__in=keys)
    rows.query.select_related = sliced.query.select_related
    rows.query.deferred_loading = sliced.query.deferred_loading
    by_key = {row.pk: row for row in rows}
    return [by_key[key] for key in keys if key in by_key]


def pager_links(state: QueryDict, page: Page, elided: list[Any]) -> dict[str, Any]:
    """The pager's links as query strings: the previous and next page, and one per page
    number of the elided range (``gap`` for an ellipsis, ``current`` for this page)."""
    ellipsis = page.paginator.ELLIPSIS
    return {
        "prev": query_string(state, page=str(page.number - 1)) if page.has_previous() else "",
        "next": query_string(state, page=str(page.number + 1)) if page.has_next() else "",
        "pages": [
            {
                "n": n,
                "gap": n == ellipsis,
                "current": n == page.number,
                "qs": query_string(state, page=str(n)) if n not in (ellipsis, page.number) else "",
            }
            for n in elided
        ],
    }


def list_context(
    request: HtmxHttpRequest,
    form: ListForm,
    *,
    page: Page,
    elided: list[Any],
    list_id: str,
    export_url: str = "",
) -> dict[str, Any]:
    """What the component's templates need, whichever list it is."""
    state = form.canonical(page=page.number)
    base = form.canonical()
    hidden = [(name, base[name]) for name in form.hidden_state if name in base]
    if not page.paginator.count and "per_page" in base:
        hidden.append(("per_page", base["per_page"]))  # no pager: no per-page select
    views = saved_views_context(request, list_id=list_id, query=base.urlencode())
    url = canonical_url(request.path, state)
    if not state and views["default_view"] is not None and views["default_view"].query:
        url = views["list_all_url"]  # the whole list, not the default view in its place
    return {
        "list_id": list_id,
        "list_url": request.path,
        "form": form,
        "page": page,
        "pager": pager_links(state, page, elided),
        "per_page": form.page_size,
        "per_page_choices": sorted({*PER_PAGE_CHOICES, form.page_size}),
        "max_per_page": MAX_PER_PAGE,
        "per_page_clamped": form.per_page_clamped,
        "state": state,
        "base_query": base,
        "state_qs": f"?{state.urlencode()}" if state else "",
        "hidden_state": hidden,
        "canonical_url": url,
        # The CSV of exactly this list (every page of it): the state without the page.
        "export_href": canonical_url(export_url, base) if export_url else "",
        **views,
    }


def render_list(request: HtmxHttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or for htmx its ``#table`` partial, which pushes the canonical URL."""
    if not is_partial(request):
        if context["form"].per_page_clamped:
            # The address bar shows what is served: at most MAX_PER_PAGE rows a page.
            return redirect(context["canonical_url"])
        return render(request, template, context)
    # The filter form's hidden state (outside the table) follows out of band.
    response = render(request, f"{template}#table", {**context, "state_oob": True})
    if request.headers.get(TYPING_HEADER) == "true":
        # Typing on in a search box: the entry its first request pushed is replaced.
        replace_url(response, context["canonical_url"])
    elif context["canonical_url"] != request.get_full_path():
        push_url(response, context["canonical_url"])
    return response


# --- search history ---------------------------------------------------------------------------

#: Sent by ``static/lists.js`` on the requests of a search box after the first one of a
#: search (the user is still typing): their answer replaces the history entry instead of
#: pushing one, so Back leaves the whole search in one step.
TYPING_HEADER = "X-List-Typing"


# --- saved views --------------------------------------------------------------------------------


def user_saved_views(request: HtmxHttpRequest, *, reread: bool = False) -> list[SavedView]:
    """All of the signed-in user's saved views, read once a request: a list page's menu,
    its default view and the navigation's menu (``saved_views_tags``) all use them.
    ``reread`` after a write in the same request."""
    views = getattr(request, "_user_saved_views", None)
    if views is None or reread:
        views = preferences.saved_views_of(user=request.user)
        request._user_saved_views = views
    return views


def saved_views_context(request: HtmxHttpRequest, *, list_id: str, query: str) -> dict[str, Any]:
    """The saved-views menu of a list (``components/list.html#saved_views``): the user's
    views of this list, the one this state is (if any), and the default (if any)."""
    views = [v for v in user_saved_views(request) if v.list_id == list_id]
    default = next((v for v in views if v.is_default), None)
    list_url = reverse(LISTS[list_id][1]) if list_id in LISTS else request.path
    return {
        "list_views": views,
        "current_view": next((v for v in views if v.query == query), None),
        "default_view": default,
        "view_query": query,
        "list_all_url": f"{list_url}?view=all",
        "view_return_url": f"{list_url}?{query or 'view=all'}",
        # A link to the bare list (a tab, say) would open the default view instead.
        "bare_qs": "?view=all" if default is not None and default.query else "",
        "saved_views_list": list_id in LISTS,
    }


def applies_default_view(list_id: str) -> Callable:
    """Decorate a list view: the bare list (no query string at all, a full page) opens on
    the user's default view of ``list_id``. Any query string wins (``?view=all`` is the
    way to the whole list); htmx requests are never redirected."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.GET and not request.htmx:
                default = next(
                    (v for v in user_saved_views(request) if v.list_id == list_id and v.is_default),
                    None,
                )
                if default is not None and default.query:
                    return redirect(f"{request.path}?{default.query}")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- column chooser -----------------------------------------------------------------------------


def column_context(
    request: HtmxHttpRequest, form: ListForm, *, list_id: str, columns: tuple[Column, ...]
) -> dict[str, Any]:
    """The columns this user shows on ``list_id`` (the first, the row's name, always), for
    the table's headers (``columns``), its cells (``hide.<id>`` is true for a hidden one)
    and the chooser (``column_choices``)."""
    hidden = preferences.hidden_columns(user=request.user, list_id=list_id)
    hidden &= {c.id for c in columns[1:]}
    return {
        "columns": sort_columns(form, tuple(c for c in columns if c.id not in hidden)),
        "hide": dict.fromkeys(hidden, True),
        "hidden_count": len(hidden),
        "column_choices": [
            {"id": c.id, "label": c.label, "shown": c.id not in hidden, "locked": i == 0}
            for i, c in enumerate(columns)
        ],
        "columns_url": reverse("list_columns", args=[list_id]),
    }


# --- CSV export ---------------------------------------------------------------------------------

#: A cell a spreadsheet would run as a formula starts with one of these (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Rows fetched from the database at a time: memory stays flat whatever the list's size.
EXPORT_CHUNK = 2000


def csv_cell(value: Any) -> str:
    """One value as CSV text; text that a spreadsheet would run as a formula is made inert
    with a leading apostrophe (``=SUM(A1)`` becomes ``'=SUM(A1)``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object that hands back what is written (csv.writer on a stream)."""

    def write(self, value: str) -> str:
        return value


def export_csv(
    *,
    name: str,
    header: Sequence[str],
    rows: Iterable[Any],
    row: Callable[[Any], Sequence[Any]],
) -> StreamingHttpResponse:
    """Stream ``rows`` (a queryset, read in chunks) as ``text/csv``: a header row, then
    ``row(obj)`` for each. The file is named after the list and the last successful sync,
    and ``Last-Modified`` is that sync: the cache cannot be newer."""
    last = (
        SyncRun.objects.filter(status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL])
        .exclude(finished_at=None)
        .order_by("-finished_at")
        .first()
    )
    synced = last.finished_at if last else None
    writer = csv.writer(_Echo())
    iterator = rows.iterator(chunk_size=EXPORT_CHUNK) if hasattr(rows, "iterator") else rows

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for obj in iterator:
            yield writer.writerow([csv_cell(value) for value in row(obj)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(synced).strftime("%Y%m%d-%H%M") if synced else "never-synced"
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    if synced:
        response["Last-Modified"] = http_date(synced.timestamp())
    return response
