"""Destinations: the HTMX list, the detail page, and the ignore / un-ignore / delete actions.

List state lives in the query string (`status`, `query`, `campaign`, `sort_by`,
`sort_dir`, `page`, `per_page`). Row and bulk actions POST to URLs that carry the
same query string, so their answer (a row, or the table) is rendered for the
view the user is looking at, and without JS the redirect goes back to it.
"""

import json
from dataclasses import fields

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from invoca_admin.core import lists
from invoca_admin.core.htmx import HtmxHttpRequest, is_partial
from invoca_admin.core.http import parse_ids, safe_redirect_url
from invoca_admin.invoca import Destination as RemoteDestination
from invoca_admin.invoca import InvocaError

from . import services
from .forms import DestinationFilterForm
from .models import Destination, Status
from .selectors import (
    DestinationFilters,
    destination_advertiser_choices,
    destination_audit_history,
    destination_campaign_choices,
    destination_get,
    destination_list,
    destination_payload,
    destination_pool_page,
    destination_ring_pool_choices,
    destination_status_counts,
    destinations_with_ignores,
)

TEMPLATE = "destinations/list.html"
LIST_ID = "destination"
COLUMNS = (  # at narrow widths the campaign is shown under the number
    lists.Column("phone_number", "Phone number"),
    lists.Column("campaign", "Campaign", "hide-narrow"),
    lists.Column("ring_pool", "Ring pool", "hide-narrow"),
    lists.Column("status", "Status"),
    lists.Column("created", "Created", "hide-narrow"),
    lists.Column("updated", "Updated", "hide-narrow"),
)
STATUS_TABS = (("", "All"), *Status.choices)


# --- context ------------------------------------------------------------------------------


def _permissions(request: HtmxHttpRequest) -> dict:
    user = request.user
    can_change = user.has_perm("destinations.change_destination")
    can_delete = user.has_perm("destinations.delete_destination")
    track_url = reverse("ringpools:create") if user.has_perm("ringpools.add_ringpool") else ""
    can_act = can_change or can_delete or bool(track_url)
    return {
        "can_change": can_change,
        "can_delete": can_delete,
        "can_bulk": can_change or can_delete,
        "can_act": can_act,
        "track_url": track_url,
        "colspan": len(COLUMNS) + int(can_change or can_delete) + int(can_act),
    }


def _bulk(form: DestinationFilterForm, permissions: dict) -> dict:
    """The bulk bar: its actions for this user, and the filter "all matching" stands for."""
    actions = []
    if permissions["can_change"]:
        actions += [
            {
                "value": "ignore",
                "verb": "Ignore",
                "label": "Ignore",
                "ask": "Ignore {what}?",
                "confirm": "Ignore the selected destinations?",
            },
            {
                "value": "unignore",
                "verb": "Un-ignore",
                "label": "Un-ignore",
                "ask": "Un-ignore {what}?",
                "confirm": "Un-ignore the selected destinations?",
            },
        ]
    if permissions["can_delete"]:
        actions.append(
            {
                "value": "delete",
                "verb": "Delete",
                "label": "Delete…",
                "css": "btn-danger",
                "ask": "Delete {what} from Invoca? This cannot be undone.",
                "confirm": "Delete the selected destinations from Invoca? This cannot be undone.",
            }
        )
    filters = form.filters
    return {
        "url": reverse("destinations:bulk"),
        "noun": "destination",
        "nouns": "destinations",
        "actions": actions,
        "filters": [
            ("status", filters.status),
            ("query", filters.query),
            ("campaign", filters.campaign),
            ("advertiser", filters.advertiser),
            ("ring_pool", filters.ring_pool),
            ("created_from", str(filters.created_from or "")),
            ("created_to", str(filters.created_to or "")),
        ],
    }


def _empty(form: DestinationFilterForm, counts: dict[str, int]) -> dict:
    filters = form.filters
    narrowed = filters != DestinationFilters(
        status=filters.status, sort_by=filters.sort_by, sort_dir=filters.sort_dir
    )
    if counts["all"] == 0 and not narrowed:
        return {
            "reason": "No destinations in the cache yet.",
            "hint": "They appear after the next sync from Invoca.",
        }
    campaign_name = getattr(form, "campaign_name", None) if filters.campaign else None
    reason = f"No {filters.status + ' ' if filters.status else ''}destinations"
    if campaign_name:
        reason += f" in campaign “{campaign_name}”"
    if filters.ring_pool:
        reason += f" in ring pool “{getattr(form, 'ring_pool_name', filters.ring_pool)}”"
    if filters.advertiser:
        reason += f" of advertiser “{getattr(form, 'advertiser_name', filters.advertiser)}”"
    if filters.created_from or filters.created_to:
        reason += " discovered in the chosen days"
    if filters.query:
        reason += f" match “{filters.query}”"
    base = form.canonical()
    url = reverse("destinations:list")
    links = []
    if filters.query:
        links.append((url + lists.query_string(base, query=None), "Clear the search"))
    if filters.status and counts["all"]:
        links.append(
            (url + lists.query_string(base, status=None), f"Show every status ({counts['all']:,})")
        )
    if filters.campaign:
        links.append((url + lists.query_string(base, campaign=None), "Every campaign"))
    others = {"advertiser": None, "ring_pool": None, "created_from": None, "created_to": None}
    if any(base.get(name) for name in others):
        links.append((url + lists.query_string(base, **others), "Clear the other filters"))
    return {"reason": reason + ".", "links": links}


def _state_context(
    request: HtmxHttpRequest, form: DestinationFilterForm, counts: dict[str, int], page
) -> dict:
    """What every list fragment needs: permissions, tabs, columns and the list state."""
    filters = form.filters
    permissions = _permissions(request)
    return {
        **lists.list_context(
            request,
            form,
            page=page,
            elided=[],
            list_id=LIST_ID,
            export_url=reverse("destinations:export"),
        ),
        **permissions,
        "filters": filters,
        "counts": counts,
        "tabs": lists.tabs(form, "status", STATUS_TABS, counts),
        "columns": lists.sort_columns(form, COLUMNS),
        "matching": counts[filters.status or "all"],
        "bulk": _bulk(form, permissions),
        "list_url": reverse("destinations:list"),
    }


def _list_context(request: HtmxHttpRequest, form: DestinationFilterForm) -> dict:
    """Everything the table partial needs, for the state `form` describes."""
    filters = form.filters
    counts = destination_status_counts(filters=filters)
    # The counts above already counted the current tab: no second COUNT(*). A page's
    # keys come from the sort index alone, however deep the page.
    count = counts[filters.status or "all"]
    page, elided = lists.paginate(
        destination_list(filters=filters, match_count=count), form, count=count, index_only=True
    )
    page.object_list = destinations_with_ignores(page.object_list)
    return {
        **_state_context(request, form, counts, page),
        "elided_pages": elided,
        "empty": _empty(form, counts),
    }


def _back_to_list(request: HtmxHttpRequest) -> str:
    """Where a non-htmx POST returns: a safe `next`, else the list with the same state."""
    form = DestinationFilterForm(request.GET)
    query = form.state(page=form.page_number).urlencode()
    fallback = reverse("destinations:list") + (f"?{query}" if query else "")
    return safe_redirect_url(request, fallback=fallback)


def _get_destination(remote_id: int) -> Destination:
    destination = destination_get(remote_id=remote_id)
    if destination is None:
        raise Http404("This destination is not in the cache (it may have been deleted).")
    return destination


def _table_response(request: HtmxHttpRequest) -> HttpResponse:
    """The table partial for the state in the query string (after an htmx action)."""
    return render(
        request, f"{TEMPLATE}#table", _list_context(request, DestinationFilterForm(request.GET))
    )


def _row_response(request: HtmxHttpRequest, destination: Destination) -> HttpResponse:
    """One re-rendered row plus (out of band) the counts it changed, for the same list state."""
    form = DestinationFilterForm(request.GET)
    filters = form.filters
    counts = destination_status_counts(filters=filters)
    page = Paginator([], form.page_size).get_page(None)
    page.number = form.page_number or 1
    context = _state_context(request, form, counts, page)
    context["d"] = destination
    return render(request, f"{TEMPLATE}#row_response", context)


# --- pages --------------------------------------------------------------------------------


@require_GET
def destination_list_view(request: HtmxHttpRequest) -> HttpResponse:
    form = DestinationFilterForm(request.GET)
    context = _list_context(request, form)
    if not is_partial(request):
        # The filter form's choices: from the small tables, never the destinations.
        context["campaign_choices"] = destination_campaign_choices()
        context["advertiser_choices"] = destination_advertiser_choices()
        context["ring_pool_choices"] = destination_ring_pool_choices()
    return lists.render_list(request, TEMPLATE, context)


EXPORT_HEADER = (
    "Phone number",
    "Status",
    "Campaign",
    "Campaign id",
    "Ring pool",
    "Ring pool id",
    "Name",
    "Created at Invoca",
    "Updated at Invoca",
    "Invoca id",
)


@require_GET
def destination_export(request: HtmxHttpRequest) -> HttpResponse:
    """``/destinations/export.csv?<the list's query string>``: every matching row, all pages."""
    filters = DestinationFilterForm(request.GET).filters
    return lists.export_csv(
        name="destinations",
        header=EXPORT_HEADER,
        rows=destination_list(filters=filters),
        row=lambda d: (
            d.phone_number,
            d.get_status_display(),
            d.campaign_name,
            d.campaign_id_from_network,
            d.ring_pool_name,
            d.ring_pool_id_from_network,
            d.requested_destination_name,
            d.created_at,
            d.updated_at,
            d.remote_id,
        ),
    )


@require_GET
def destination_detail(request: HtmxHttpRequest, remote_id: int) -> HttpResponse:
    destination = _get_destination(remote_id)
    payload = destination_payload(remote_id=remote_id)
    context = {
        **_permissions(request),
        "d": destination,
        "pool_page": destination_pool_page(destination=destination),
        "history": destination_audit_history(remote_id=remote_id),
        "extra_fields": _extra_payload_fields(payload),
        "payload_json": _pretty_json(payload),
    }
    return render(request, "destinations/detail.html", context)


# The documented fields: the detail page shows each in its place.
KNOWN_PAYLOAD_KEYS = frozenset(f.name for f in fields(RemoteDestination)) - {"raw"}


def _extra_payload_fields(payload: dict) -> list[tuple[str, str]]:
    """Fields Invoca sent that have no column of their own, as (name, text)."""
    extra = []
    for key in sorted(payload):
        if key in KNOWN_PAYLOAD_KEYS:
            continue
        value = payload[key]
        text = value if isinstance(value, str) else _pretty_json(value)
        extra.append((str(key), text))
    return extra


def _pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


# --- row actions ----------------------------------------------------------------------------


def _undo(request: HtmxHttpRequest, url_name: str, destination: Destination, label: str) -> str:
    """A message's Undo: the opposite action for the same row and list state (see
    components/messages.html), as ``undo|<url>|<row id>|<accessible label>``."""
    query = request.GET.urlencode()
    url = reverse(url_name, args=[destination.remote_id]) + (f"?{query}" if query else "")
    return f"undo|{url}|destination-{destination.remote_id}|{label}"


def _after_row_action(request: HtmxHttpRequest, destination: Destination) -> HttpResponse:
    if is_partial(request):
        return _row_response(request, destination)
    return redirect(_back_to_list(request))


@require_POST
@permission_required("destinations.change_destination", raise_exception=True)
def destination_ignore(request: HtmxHttpRequest, remote_id: int) -> HttpResponse:
    destination = _get_destination(remote_id)
    outcome = services.destination_ignore(destination=destination, user=request.user)
    number = destination.phone_number
    if outcome == services.Outcome.DONE:
        messages.success(
            request,
            f"Ignored {number}.",
            extra_tags=_undo(request, "destinations:unignore", destination, f"Un-ignore {number}"),
        )
    elif outcome == services.Outcome.TRACKED:
        messages.warning(request, f"{number} is tracked by a ring pool, so it cannot be ignored.")
    else:
        messages.info(request, f"{number} was already ignored.")
    return _after_row_action(request, destination)


@require_POST
@permission_required("destinations.change_destination", raise_exception=True)
def destination_unignore(request: HtmxHttpRequest, remote_id: int) -> HttpResponse:
    destination = _get_destination(remote_id)
    outcome = services.destination_unignore(destination=destination, user=request.user)
    number = destination.phone_number
    if outcome == services.Outcome.DONE:
        messages.success(
            request,
            f"{number} is no longer ignored.",
            extra_tags=_undo(request, "destinations:ignore", destination, f"Ignore {number} again"),
        )
    elif outcome == services.Outcome.INVOCA_IGNORED:
        messages.warning(
            request,
            f"{number} is ignored in Invoca itself; that can only be undone in Invoca.",
        )
    else:
        messages.info(request, f"{number} was not ignored.")
    return _after_row_action(request, destination)


@require_POST
@permission_required("destinations.delete_destination", raise_exception=True)
def destination_delete(request: HtmxHttpRequest, remote_id: int) -> HttpResponse:
    destination = _get_destination(remote_id)
    number = destination.phone_number
    deleted = False
    try:
        outcome = services.destination_delete(destination=destination, user=request.user)
    except InvocaError as exc:
        messages.error(request, f"Could not delete {number}: {exc.message} It was kept.")
    else:
        deleted = True
        if outcome == services.Outcome.ALREADY:
            messages.success(
                request, f"{number} was already deleted in Invoca; removed it from the list."
            )
        else:
            messages.success(request, f"Deleted {number} from Invoca.")
    if is_partial(request):
        return _table_response(request)
    detail_url = reverse("destinations:detail", args=[remote_id])
    target = _back_to_list(request)
    if deleted and target.split("?")[0] == detail_url:
        target = reverse("destinations:list")
    return redirect(target)


# --- bulk actions ---------------------------------------------------------------------------

BULK_ACTIONS = {
    # action: (permission needed, service, past tense for the summary, most rows at once)
    "ignore": (
        "destinations.change_destination",
        services.destinations_ignore,
        "Ignored",
        services.BULK_MAX,
    ),
    "unignore": (
        "destinations.change_destination",
        services.destinations_unignore,
        "Un-ignored",
        services.BULK_MAX,
    ),
    "delete": (
        "destinations.delete_destination",
        services.destinations_delete,
        "Deleted",
        services.BULK_DELETE_MAX,
    ),
}


def _bulk_selection(request: HtmxHttpRequest):
    """The rows a bulk action applies to: the ticked ids, or every row matching the
    filter sent in the POST body when "all matching" was chosen."""
    if request.POST.get("select_all"):
        return destination_list(filters=DestinationFilterForm(request.POST).filters)
    ids = parse_ids(request.POST.getlist("ids"))
    return Destination.objects.filter(remote_id__in=ids).order_by("phone_digits", "pk")


def _summary(verb: str, result: services.BulkResult) -> tuple[int, str]:
    """One message for a bulk action: what succeeded, what did not and why."""

    def listed(items: list[tuple[Destination, str]]) -> str:
        shown = "; ".join(f"{d.phone_number} ({reason.rstrip('.')})" for d, reason in items[:5])
        more = len(items) - 5
        return shown + (f"; and {more} more" if more > 0 else "")

    done = len(result.done)
    parts = [f"{verb} {done} destination{'s' if done != 1 else ''}."]
    if result.unchanged:
        parts.append(f"{len(result.unchanged)} left as they were: {listed(result.unchanged)}.")
    if result.failed:
        parts.append(f"{len(result.failed)} failed: {listed(result.failed)}.")
    if result.not_attempted:
        parts.append(f"{len(result.not_attempted)} not attempted: {listed(result.not_attempted)}.")
    if result.failed or result.not_attempted:
        level = messages.ERROR if not done else messages.WARNING
    elif not done:
        level = messages.INFO
    else:
        level = messages.SUCCESS
    return level, " ".join(parts)


@require_POST
def destination_bulk(request: HtmxHttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        if not request.user.has_perm("destinations.change_destination"):
            raise PermissionDenied
        messages.error(request, "Choose Ignore, Un-ignore or Delete for the selected rows.")
    else:
        permission, run, verb, limit = BULK_ACTIONS[action]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        selection = _bulk_selection(request)
        total = selection.count()
        if total == 0:
            messages.warning(request, "Nothing was selected: tick some rows first.")
        elif total > limit:
            messages.error(
                request,
                f"{total:,} destinations are selected; at most {limit:,} can be "
                f"{verb.lower()} at once. Narrow the search or filter first.",
            )
        else:
            result = run(destinations=list(selection), user=request.user)
            level, text = _summary(verb, result)
            messages.add_message(request, level, text)
    if is_partial(request):
        return _table_response(request)
    return redirect(_back_to_list(request))
