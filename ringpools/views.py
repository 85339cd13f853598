"""Ring pool pages: the cached list, a pool's detail, and create / edit / delete forms."""

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from invoca_admin.core import lists
from invoca_admin.core.htmx import HtmxHttpRequest, is_partial
from invoca_admin.invoca import (
    InvocaError,
    InvocaServerError,
    InvocaUnavailable,
    InvocaValidationError,
    is_configured,
)
from invoca_admin.invoca import RingPool as RemoteRingPool

from .forms import (
    SORT_FIELDS,
    RingPoolCreateForm,
    RingPoolEditForm,
    RingPoolFilterForm,
)
from .models import RingPool
from .selectors import (
    advertiser_choices,
    advertiser_get,
    campaign_choices,
    campaign_get,
    destination_for_tracking,
    ring_pool_audit_history,
    ring_pool_get,
    ring_pool_linked_counts,
    ring_pool_linked_destinations,
    ring_pool_list,
)
from .services import ring_pool_create, ring_pool_delete, ring_pool_update

logger = logging.getLogger(__name__)

TEMPLATE = "ringpools/list.html"
NUMERIC_COLUMNS = {"max_pool_size", "lifetime_seconds"}
HIDE_NARROW = {"campaign", "pool_type", "lifetime_seconds", "preferred"}
COLUMNS = tuple(
    lists.Column(
        key,
        label,
        " ".join(
            css
            for css, on in (("num", key in NUMERIC_COLUMNS), ("hide-narrow", key in HIDE_NARROW))
            if on
        ),
    )
    for key, (_field, label) in SORT_FIELDS.items()
)


# --- list ---------------------------------------------------------------------------------------


def _listed(form: RingPoolFilterForm):
    """(advertiser, campaign, pools) for the list's state. A campaign of another advertiser
    (the advertiser was just changed) counts as none; the form's canonical state then
    names only the advertiser and campaign that exist."""
    state = form.state()
    advertiser = advertiser_get(id_from_network=state["advertiser"])
    campaign = campaign_get(id_from_network=state["campaign"])
    if campaign is not None and advertiser is not None and campaign.advertiser_id != advertiser.pk:
        campaign = None
    form.cleaned_data["advertiser"] = advertiser.id_from_network if advertiser else ""
    form.cleaned_data["campaign"] = campaign.id_from_network if campaign else ""
    pools = ring_pool_list(
        advertiser=advertiser,
        campaign=campaign,
        query=state["query"],
        sort_by=state["sort_by"],
        sort_dir=state["sort_dir"],
    )
    return advertiser, campaign, pools


@require_GET
@lists.applies_default_view("ringpool")
def ringpool_list(request: HtmxHttpRequest) -> HttpResponse:
    form = RingPoolFilterForm(request.GET)
    advertiser, campaign, pools = _listed(form)
    state = form.state()
    page, elided = lists.paginate(pools, form)
    counts = ring_pool_linked_counts(pools=page.object_list)
    filtered = bool(advertiser or campaign or state["query"])
    columns = lists.column_context(request, form, list_id="ringpool", columns=COLUMNS)
    context = {
        **lists.list_context(
            request,
            form,
            page=page,
            elided=elided,
            list_id="ringpool",
            export_url=reverse("ringpools:export"),
        ),
        "filters": form.state(),
        "rows": [(pool, counts.get(pool.pk, 0)) for pool in page.object_list],
        **columns,
        "advertisers": advertiser_choices(),
        "campaigns": campaign_choices(advertiser=advertiser),
        "filtered": filtered,
        "colspan": len(COLUMNS) + 2 - columns["hidden_count"],
        "empty": _empty(filtered, request.path),
    }
    return lists.render_list(request, TEMPLATE, context)


EXPORT_HEADER = (
    "Name",
    "Id from network",
    "Advertiser",
    "Campaign",
    "Pool type",
    "Destination type",
    "Max pool size",
    "Lifetime (seconds)",
    "Preferred",
    "Local",
    "Invoca id",
)


@require_GET
def ringpool_export(request: HtmxHttpRequest) -> HttpResponse:
    """``/ringpools/export.csv?<the list's query string>``: every matching pool."""
    _advertiser, _campaign, pools = _listed(RingPoolFilterForm(request.GET))
    return lists.export_csv(
        name="ring-pools",
        header=EXPORT_HEADER,
        rows=pools,
        row=lambda p: (
            p.name,
            p.id_from_network,
            p.campaign.advertiser.name,
            p.campaign.name,
            p.pool_type,
            p.destination_type,
            p.max_pool_size,
            p.lifetime_seconds,
            p.preferred,
            p.is_local,
            p.remote_id,
        ),
    )


def _empty(filtered: bool, list_url: str) -> dict[str, Any]:
    if filtered:
        return {
            "reason": "No ring pools match these filters.",
            "links": [(list_url, "Show all ring pools")],
        }
    if is_configured():
        return {
            "reason": "No ring pools in the cache yet.",
            "hint": "They appear here after the next sync.",
        }
    return {
        "reason": "No ring pools in the cache.",
        "hint": "Configure Invoca (see the banner above) and sync to load them.",
    }


# --- detail -------------------------------------------------------------------------------------


def _get_pool_or_404(pk: int) -> RingPool:
    pool = ring_pool_get(pk=pk)
    if pool is None:
        raise Http404("No such ring pool in the cache.")
    return pool


@require_GET
def ringpool_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    pool = _get_pool_or_404(pk)
    payload = pool.payload or {}
    context = {
        "pool": pool,
        "payload": payload,
        "params": [(n, payload.get(f"param{n}")) for n in range(1, 11)],
        "local": _local_context(payload),
        "linked": ring_pool_linked_destinations(ring_pool=pool),
        "history": ring_pool_audit_history(ring_pool=pool),
    }
    return render(request, "ringpools/detail.html", context)


def _local_context(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The Local RingPool part of a cached pool, or None for an ordinary pool (one whose
    ``local_center`` is absent or holds only empty values)."""
    remote = RemoteRingPool.from_api(payload)
    if not remote.is_local:
        return None
    center = {key: value for key, value in (remote.local_center or {}).items() if value != ""}
    return {
        "center": center,
        "prefs": remote.local_number_preferences or {},
        "whitelist": list(remote.tn_prefix_whitelist or ()),
    }


# --- create -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("ringpools.add_ringpool", raise_exception=True)
def ringpool_create(request: HtmxHttpRequest) -> HttpResponse:
    track_id = request.GET.get("destination", "")
    track = destination_for_tracking(remote_id=track_id) if track_id else None
    if request.method == "POST":
        form = RingPoolCreateForm(request.POST)
        if form.is_valid():
            data = {**form.cleaned_data, "local": form.local_data()}
            try:
                pool = ring_pool_create(
                    user=request.user, campaign=form.cleaned_data["campaign"], data=data
                )
            except InvocaValidationError as exc:
                form.add_invoca_errors(exc)
            except InvocaError as exc:
                form.add_error(None, _failure_text(exc, "created"))
            else:
                messages.success(request, _created_text(pool, data))
                if pool is None:  # the network generated its id: the next sync caches it
                    return _redirect(request, reverse("ringpools:list"))
                return _redirect(request, reverse("ringpools:detail", args=[pool.pk]))
    else:
        form = RingPoolCreateForm(initial=_track_initial(track))
    context = {
        "form": form,
        "creating": True,
        "track": track,
        "track_id": track_id,
        "action": request.get_full_path(),
    }
    template = "ringpools/form.html#form" if is_partial(request) else "ringpools/form.html"
    return render(request, template, context)


def _track_initial(track) -> dict[str, Any]:
    if track is None:
        return {}
    initial: dict[str, Any] = {"destination_phone_number": track.phone_number}
    campaign = campaign_get(id_from_network=track.campaign_id_from_network)
    if campaign is not None:
        initial["advertiser"] = campaign.advertiser.id_from_network
        initial["campaign"] = campaign.id_from_network
    return initial


def _created_text(pool: RingPool | None, data: dict[str, Any]) -> str:
    if pool is None:
        text = (
            f"Ring pool “{data.get('name')}” created; Invoca gave it an id, and it appears "
            "here after the next sync."
        )
    else:
        text = f"Ring pool “{pool.name or pool.id_from_network}” created."
    if data.get("destination_phone_number"):
        text += f" It tracks {data['destination_phone_number']}."
    if data.get("local"):
        text += " Invoca is now allocating its local numbers; this takes about ten minutes."
    return text


@require_GET
def campaign_options(request: HtmxHttpRequest) -> HttpResponse:
    """The create form's campaign field for the advertiser just chosen."""
    form = RingPoolCreateForm(initial={"advertiser": request.GET.get("advertiser", "")[:64]})
    return render(request, "ringpools/form.html#campaign_field", {"form": form})


# --- edit ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("ringpools.change_ringpool", raise_exception=True)
def ringpool_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    pool = _get_pool_or_404(pk)
    if request.method == "POST":
        form = RingPoolEditForm(request.POST, ring_pool=pool)
        if form.is_valid() and not form.has_changed():
            messages.info(request, "Nothing was changed, so nothing was sent to Invoca.")
            return _redirect(request, reverse("ringpools:detail", args=[pool.pk]))
        if form.is_valid():
            try:
                pool = ring_pool_update(
                    user=request.user,
                    ring_pool=pool,
                    data=form.cleaned_data,
                    changed=form.changed_data,
                )
            except InvocaValidationError as exc:
                form.add_invoca_errors(exc)
            except InvocaError as exc:
                form.add_error(None, _failure_text(exc, "changed"))
            else:
                text = f"Ring pool “{pool.name or pool.id_from_network}” saved."
                if form.cleaned_data.get("destination_phone_number"):
                    text += f" It tracks {form.cleaned_data['destination_phone_number']}."
                messages.success(request, text)
                return _redirect(request, reverse("ringpools:detail", args=[pool.pk]))
    else:
        form = RingPoolEditForm(ring_pool=pool)
    context = {
        "form": form,
        "creating": False,
        "pool": pool,
        "local": _local_context(pool.payload or {}),
        "action": request.get_full_path(),
    }
    template = "ringpools/form.html#form" if is_partial(request) else "ringpools/form.html"
    return render(request, template, context)


# --- delete -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("ringpools.delete_ringpool", raise_exception=True)
def ringpool_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    pool = _get_pool_or_404(pk)
    linked = ring_pool_linked_destinations(ring_pool=pool)
    error = None
    delete_destinations = request.POST.get("delete_detected_phone_number") in ("on", "true", "1")
    if request.method == "POST":
        label = pool.name or pool.id_from_network
        try:
            count = ring_pool_delete(
                user=request.user, ring_pool=pool, delete_destinations=delete_destinations
            )
        except InvocaError as exc:
            error = _failure_text(exc, "deleted")
        else:
            text = f"Ring pool “{label}” deleted."
            if count and delete_destinations:
                text += f" Its {count} destination{'s' if count != 1 else ''} were deleted too."
            elif count:
                text += (
                    f" Its {count} destination{'s are' if count != 1 else ' is'} kept and "
                    "no longer tracked."
                )
            messages.success(request, text)
            return _redirect(request, reverse("ringpools:list"))
    context = {
        "pool": pool,
        "linked": linked,
        "error": error,
        "delete_destinations": delete_destinations,
    }
    template = "ringpools/delete.html#confirm" if is_partial(request) else "ringpools/delete.html"
    return render(request, template, context)


# --- shared -------------------------------------------------------------------------------------


def _redirect(request: HtmxHttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _failure_text(exc: InvocaError, done: str) -> str:
    """A plain sentence for a failed write; keeps Invoca's error handle when there is one."""
    if isinstance(exc, InvocaServerError):
        text = f"{exc.message} Nothing was {done}. Please try again"
        if exc.error_handle:
            text += (
                f"; if it keeps failing, give Invoca support the error handle {exc.error_handle}"
            )
        return text + "."
    if isinstance(exc, InvocaUnavailable):
        return (
            f"{exc.message} Invoca may or may not have applied the change: check after the "
            "next sync, or simply submit again (it is safe to repeat)."
        )
    return f"{exc.message} Nothing was {done}."
