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
from django_htmx.http import HttpResponseClientRedirect

from invoca_admin.core import lists
from invoca_admin.core.htmx import HtmxHttpRequest, is_partial
from invoca_admin.core.http import parse_ids, safe_redirect_url
from invoca_admin.invoca import Destination as RemoteDestination
from invoca_admin.invoca import InvocaError, InvocaUnavailable

from . import bulk, services, tasks
from .forms import DestinationFilterForm
from .jobs import BulkJob, BulkJobRow
from .models import Destination, Status
from .selectors import (
    ROW_FIELDS,
    DestinationFilters,
    bulk_job_get,
    bulk_job_list,
    bulk_job_outcome_counts,
    bulk_job_rows,
    destination_audit_history,
    destination_filter_choices,
    destination_get,
    destination_list,
    destination_payload,
    destination_pool_page,
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


BACKGROUND = "It runs in the background: you can follow its progress, leave the page and cancel it."


def _bulk(form: DestinationFilterForm, permissions: dict) -> dict:
    """The bulk bar: its actions for this user, and the filter "all matching" stands for."""
    actions = []
    if permissions["can_change"]:
        actions += [
            {
                "value": "ignore",
                "verb": "Ignore",
                "label": "Ignore",
                "ask": "Ignore {what}? " + BACKGROUND + " Afterwards it can be undone.",
                "confirm": "Ignore the selected destinations? " + BACKGROUND,
            },
            {
                "value": "unignore",
                "verb": "Un-ignore",
                "label": "Un-ignore",
                "ask": "Un-ignore {what}? " + BACKGROUND,
                "confirm": "Un-ignore the selected destinations? " + BACKGROUND,
            },
        ]
    if permissions["can_delete"]:
        actions.append(
            {
                "value": "delete",
                "verb": "Delete",
                "label": "Delete…",
                "css": "btn-danger",
                "ask": "Delete {what} from Invoca? This cannot be undone. " + BACKGROUND,
                "confirm": "Delete the selected destinations from Invoca? This cannot be undone. "
                + BACKGROUND,
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
    request: HtmxHttpRequest,
    form: DestinationFilterForm,
    counts: dict[str, int],
    page,
    elided: list | None = None,
) -> dict:
    """What every list fragment needs: permissions, tabs, columns and the list state."""
    filters = form.filters
    permissions = _permissions(request)
    columns = lists.column_context(request, form, list_id=LIST_ID, columns=COLUMNS)
    return {
        **lists.list_context(
            request,
            form,
            page=page,
            elided=elided or [],
            list_id=LIST_ID,
            export_url=reverse("destinations:export"),
        ),
        **permissions,
        "filters": filters,
        "counts": counts,
        "tabs": lists.tabs(form, "status", STATUS_TABS, counts),
        "matching": counts[filters.status or "all"],
        "bulk": _bulk(form, permissions),
        "list_url": reverse("destinations:list"),
        **columns,
        "colspan": permissions["colspan"] - columns["hidden_count"],
    }


def _list_context(request: HtmxHttpRequest, form: DestinationFilterForm) -> dict:
    """Everything the table partial needs, for the state `form` describes."""
    filters = form.filters
    counts = destination_status_counts(filters=filters)
    # The counts above already counted the current tab: no second COUNT(*). A page's
    # keys come from the sort index alone, however deep the page.
    count = counts[filters.status or "all"]
    rows = destination_list(filters=filters, match_count=count).only(*ROW_FIELDS)
    page, elided = lists.paginate(rows, form, count=count, index_only=True)
    page.object_list = destinations_with_ignores(page.object_list)
    return {**_state_context(request, form, counts, page, elided), "empty": _empty(form, counts)}


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
@lists.applies_default_view(LIST_ID)
def destination_list_view(request: HtmxHttpRequest) -> HttpResponse:
    form = DestinationFilterForm(request.GET)
    context = _list_context(request, form)
    if not is_partial(request):
        # The filter form's choices: from the small tables, never the destinations.
        context["choices"] = destination_filter_choices()
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
    except InvocaUnavailable as exc:
        if exc.outcome_unknown:
            # Settled in the background (a GET of the destination), audited either way.
            user_id = request.user.pk if request.user.is_authenticated else None
            tasks.recheck_delete.enqueue(destination.remote_id, number, user_id)
            messages.warning(
                request,
                f"{exc.message} Whether {number} was deleted is being checked in the "
                "background; the list and the audit log will say.",
            )
        else:
            messages.error(request, f"Could not delete {number}: {exc.message} It was kept.")
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


# --- bulk actions: background jobs (services in bulk.py, models in jobs.py) -----------------

BULK_PERMISSIONS = {
    BulkJob.Action.IGNORE: "destinations.change_destination",
    BulkJob.Action.UNIGNORE: "destinations.change_destination",
    BulkJob.Action.DELETE: "destinations.delete_destination",
}
JOB_TEMPLATE = "destinations/job.html"


@require_POST
def destination_bulk(request: HtmxHttpRequest) -> HttpResponse:
    """Record a bulk job (the ticked ids, or every row matching the filter in the POST
    body) and hand it to the background worker; then show the job's page."""
    action = request.POST.get("action", "")
    if action not in BULK_PERMISSIONS:
        if not request.user.has_perm("destinations.change_destination"):
            raise PermissionDenied
        messages.error(request, "Choose Ignore, Un-ignore or Delete for the selected rows.")
        return _back_to_list_response(request)
    if not request.user.has_perm(BULK_PERMISSIONS[action]):
        raise PermissionDenied
    if request.POST.get("select_all"):
        form = DestinationFilterForm(request.POST)
        job = bulk.bulk_job_create(action=action, user=request.user, filter_query=form.canonical())
        count = destination_list(filters=form.filters).count()
    else:
        ids = parse_ids(request.POST.getlist("ids"))
        if not ids:
            messages.warning(request, "Nothing was selected: tick some rows first.")
            return _back_to_list_response(request)
        job = bulk.bulk_job_create(action=action, user=request.user, ids=ids)
        count = job.total
    doing, _done = bulk.ACTION_VERBS[action]
    messages.info(
        request,
        f"{doing} {count:,} destination{'s' if count != 1 else ''} in the background. "
        "You may leave this page; Background jobs lists it.",
    )
    tasks.bulk_job_start(job)
    return _redirect(request, job.get_absolute_url())


def _redirect(request: HtmxHttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _back_to_list_response(request: HtmxHttpRequest) -> HttpResponse:
    if is_partial(request):
        return _table_response(request)
    return redirect(_back_to_list(request))


def _require_job_access(request: HtmxHttpRequest) -> None:
    """Who may bulk-act may see the jobs (the job page is a partial of its own too)."""
    if not any(request.user.has_perm(p) for p in set(BULK_PERMISSIONS.values())):
        raise PermissionDenied


def _get_job(job_id: int) -> BulkJob:
    job = bulk_job_get(job_id=job_id)
    if job is None:
        raise Http404("There is no such background job.")
    return job


# All, then the outcomes in the order a user reads them: what happened, then what did not.
JOB_OUTCOME_TABS = (
    ("", "All"),
    *((value, label) for value, label in BulkJobRow.Outcome.choices if value != "pending"),
    (BulkJobRow.Outcome.PENDING, BulkJobRow.Outcome.PENDING.label),
)


def _job_context(request: HtmxHttpRequest, job: BulkJob) -> dict:
    may_act = request.user.has_perm(BULK_PERMISSIONS.get(job.action, "-"))
    return {
        "job": job,
        "summary": bulk.bulk_job_summary(job),
        "can_cancel": may_act and job.is_active and not job.cancel_requested,
        "can_retry": may_act and not job.is_active and (job.failed or job.pending),
        "can_undo": request.user.has_perm("destinations.change_destination")
        and bulk.bulk_job_can_undo(job),
        "verb": bulk.ACTION_VERBS[job.action][0] if job.action in bulk.ACTION_VERBS else "",
    }


@require_GET
def destination_jobs(request: HtmxHttpRequest) -> HttpResponse:
    """Recent background jobs, newest first."""
    _require_job_access(request)
    bulk.bulk_job_expire_stale()  # a dead worker's job is shown as stopped, never polled forever
    page = Paginator(bulk_job_list(), 25).get_page(request.GET.get("page"))
    return render(request, "destinations/jobs.html", {"page": page})


@require_GET
def destination_job(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """A job's progress (polled while it runs) and, below, the outcome of every row."""
    _require_job_access(request)
    bulk.bulk_job_expire_stale()  # a dead worker's job is shown as stopped, never polled forever
    job = _get_job(job_id)
    context = _job_context(request, job)
    if is_partial(request) and request.GET.get("poll"):
        if job.is_active:
            return render(request, f"{JOB_TEMPLATE}#progress", context)
        # It just finished: load the page again (its outcomes), the summary (and Undo) in
        # a message.
        _finished_message(request, job)
        return HttpResponseClientRedirect(job.get_absolute_url())
    outcome = request.GET.get("outcome", "")
    if outcome not in BulkJobRow.Outcome.values:
        outcome = ""
    counts = bulk_job_outcome_counts(job=job)
    rows = Paginator(bulk_job_rows(job=job, outcome=outcome), 50).get_page(request.GET.get("page"))
    context.update(
        outcome=outcome,
        rows=rows,
        tabs=[
            {
                "value": value,
                "label": label,
                "count": counts.get(value or "all", 0),
                "current": value == outcome,
                "qs": f"?outcome={value}" if value else "?",
            }
            for value, label in JOB_OUTCOME_TABS
        ],
    )
    template = f"{JOB_TEMPLATE}#outcomes" if is_partial(request) else JOB_TEMPLATE
    return render(request, template, context)


def _finished_message(request: HtmxHttpRequest, job: BulkJob) -> None:
    level = (
        messages.SUCCESS
        if job.status == BulkJob.Status.DONE and not job.failed
        else (messages.WARNING)
    )
    undo = ""
    if request.user.has_perm("destinations.change_destination") and bulk.bulk_job_can_undo(job):
        url = reverse("destinations:job_undo", args=[job.pk])
        undo = f"undo|{url}|job-{job.pk}|Un-ignore the {job.done:,} rows this job ignored"
    messages.add_message(request, level, bulk.bulk_job_summary(job), extra_tags=undo)


def _job_to_act_on(request: HtmxHttpRequest, job_id: int) -> BulkJob:
    """The job, when this user may do its action (cancel and retry it)."""
    job = _get_job(job_id)
    if not request.user.has_perm(BULK_PERMISSIONS.get(job.action, "-")):
        raise PermissionDenied
    return job


@require_POST
def destination_job_cancel(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = bulk.bulk_job_cancel(job=_job_to_act_on(request, job_id))
    if job.status == BulkJob.Status.CANCELLED:
        messages.info(request, "Cancelled before it started: nothing was changed.")
    elif job.is_active:
        messages.info(request, "Cancelling: the job stops after the rows it is working on.")
    else:
        messages.info(request, "The job had already finished.")
    return _redirect(request, job.get_absolute_url())


def _start_follow_up(
    request: HtmxHttpRequest, job: BulkJob, follow_up: BulkJob | None, *, started: str, none: str
) -> HttpResponse:
    """After Retry or Undo: the new job's page, or the old one's saying there was nothing."""
    if follow_up is None:
        messages.info(request, none)
        return _redirect(request, job.get_absolute_url())
    messages.info(request, started)
    tasks.bulk_job_start(follow_up)
    return _redirect(request, follow_up.get_absolute_url())


@require_POST
def destination_job_retry(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = _job_to_act_on(request, job_id)
    return _start_follow_up(
        request,
        job,
        bulk.bulk_job_retry(job=job, user=request.user),
        started=f"Retrying the failed rows of job #{job.pk} in the background.",
        none="Nothing to retry: no row failed or was left out.",
    )


@require_POST
@permission_required("destinations.change_destination", raise_exception=True)
def destination_job_undo(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = _get_job(job_id)
    return _start_follow_up(
        request,
        job,
        bulk.bulk_job_undo(job=job, user=request.user),
        started=f"Un-ignoring the {job.done:,} rows job #{job.pk} ignored, in the background.",
        none="Nothing to undo: this job ignored no rows.",
    )
