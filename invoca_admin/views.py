import logging
import math

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from .core import lists
from .core.audit import (
    OUTCOME_TABS,
    AuditFilterForm,
    audit_actions,
    audit_list,
    audit_outcome_counts,
    audit_users,
)
from .core.htmx import HtmxHttpRequest
from .core.http import safe_redirect_url
from .core.models import action_label
from .core.preferences import overview_visit
from .invoca import InvocaError, get_client, is_configured
from .selectors import (
    cache_overview,
    destinations_discovered_per_week,
    destinations_new_since,
    health_report,
)
from .sync import SyncAlreadyRunning, expire_stale_claims, sync_last_finished, sync_latest
from .tasks import sync_start

logger = logging.getLogger(__name__)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    since = overview_visit(user=request.user)
    context = {
        "configured": is_configured(),
        "new_since": destinations_new_since(since=since) if since else None,
        "cache": cache_overview(),
        "weeks": destinations_discovered_per_week(),
        "last_sync": sync_last_finished(),
    }
    return render(request, "home.html", context)


@login_not_required
@never_cache
@require_GET
def healthz(request: HtmxHttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 200 while the database answers, else 503.

    No login, and nothing of the network's data: only ages in seconds and flags.
    """
    report = health_report()
    return JsonResponse(report, status=200 if report["database"] == "ok" else 503)


@require_GET
def connection_check(request: HtmxHttpRequest) -> HttpResponse:
    """A live check through the client: counts, or the plain reason it failed."""
    context: dict = {"configured": is_configured()}
    if context["configured"]:
        try:
            with get_client() as client:
                context["destinations_total"] = client.list_destinations(limit=1).total
                context["advertisers_total"] = len(client.list_advertisers())
        except InvocaError as exc:
            logger.warning("Connection check failed: %s", exc.message)
            context["error"] = exc
    return render(request, "home.html#connection", context)


@require_POST
@permission_required("invoca_admin.add_syncrun", raise_exception=True)
def sync_now(request: HtmxHttpRequest) -> HttpResponse:
    if not is_configured():
        messages.error(request, "Invoca is not configured: set INVOCA_API_URL and friends first.")
    else:
        try:
            sync_start(trigger="manual", user=request.user)
            messages.info(request, "Sync started. You can keep working while it runs.")
        except SyncAlreadyRunning as exc:
            messages.warning(request, str(exc))
    if request.htmx:
        return render(request, "components/sync_status.html")
    return redirect(safe_redirect_url(request, fallback="home", referer=True))


@require_GET
def sync_status(request: HtmxHttpRequest) -> HttpResponse:
    """The layout's sync slot; polled while a sync runs."""
    expire_stale_claims()  # a run whose worker died is shown as failed, never polled forever
    response = render(request, "components/sync_status.html")
    if request.GET.get("was_running"):
        latest = sync_latest()
        if latest is not None and not latest.is_running:
            trigger_client_event(response, "syncFinished", {"status": latest.status})
    return response


@require_GET
@lists.applies_default_view("audit")
def audit_log(request: HtmxHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    filters, outcome = form.filters, form.value("outcome")
    counts = audit_outcome_counts(**filters)
    entries = audit_list(
        outcome=outcome,
        sort_by=form.value("sort_by"),
        sort_dir=form.value("sort_dir"),
        **filters,
    )
    page, elided = lists.paginate(entries, form, count=counts[outcome or "all"])
    filtered = bool(outcome or any(filters.values()))
    columns = lists.column_context(request, form, list_id="audit", columns=AUDIT_COLUMNS)
    context = {
        **lists.list_context(
            request,
            form,
            page=page,
            elided=elided,
            list_id="audit",
            export_url=reverse("audit_export"),
        ),
        **filters,
        "outcome": outcome,
        "actions": [(value, action_label(value)) for value in audit_actions()],
        "users": audit_users(),
        "tabs": lists.tabs(form, "outcome", OUTCOME_TABS, counts),
        "tabs_label": "Outcome",
        **columns,
        "colspan": len(AUDIT_COLUMNS) - columns["hidden_count"],
        "empty": {
            "reason": "No audit entries match these filters yet.",
            "links": [(request.path, "Show every entry")],
        }
        if filtered
        else {
            "reason": "No audit entries yet.",
            "hint": "Every ignore, delete and ring pool change will be listed here.",
        },
    }
    return lists.render_list(request, "audit.html", context)


AUDIT_EXPORT_HEADER = (
    "When",
    "Who",
    "Action",
    "Target",
    "Target id",
    "Outcome",
    "Detail",
    "Error handle",
)


@require_GET
def audit_export(request: HtmxHttpRequest) -> HttpResponse:
    """``/audit/export.csv?<the list's query string>``: every matching entry."""
    form = AuditFilterForm(request.GET)
    entries = audit_list(
        outcome=form.value("outcome"),
        sort_by=form.value("sort_by"),
        sort_dir=form.value("sort_dir"),
        **form.filters,
    )
    return lists.export_csv(
        name="audit-log",
        header=AUDIT_EXPORT_HEADER,
        rows=entries,
        row=lambda e: (
            e.at,
            e.who,
            e.action_label,
            e.target_label,
            e.target_id,
            e.get_outcome_display(),
            e.detail,
            e.error_handle,
        ),
    )


def locked_out(request: HtmxHttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lock-out answer: what happened and when to try again (429)."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        # A failed attempt during the lock-out restarts the wait, so it ends one cool-off from now.
        "retry_at": timezone.localtime() + cool_off if cool_off else None,
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else 0,
    }
    return render(request, "registration/locked_out.html", context, status=429)


AUDIT_COLUMNS = (
    lists.Column("at", "When"),
    lists.Column("", "Who", name="who"),
    lists.Column("action", "Action"),
    lists.Column("target", "Target"),
    lists.Column("outcome", "Outcome"),
    lists.Column("", "Detail", name="detail"),
)
