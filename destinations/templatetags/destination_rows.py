"""The destinations table's rows and the status badge, built in Python.

A row is the hottest markup of the dashboard: 50 to 1,000 of them a page, each with a
checkbox, six cells and up to three actions. Through the template language a 50-row
page took 17 ms to render (about 60 variable lookups, three ``{% url %}`` and two
``{% csrf_token %}`` a row), more than all the rest of the request; built here, as
Django admin's changelist builds its result rows (``items_for_result``), it takes about
a tenth of that (``bench/list_bench.py``). The markup is the same as before, and this is
its one source: the table, a row re-rendered after an action and the detail page's badge.

Every value from the cache goes through ``escape``; only the constant markup below is not.
"""

from dataclasses import dataclass
from html import escape

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from destinations.models import Destination
from invoca_admin.core.timestamps import day_stamp_html

register = template.Library()

#: The id reversed once per table; each row's URL is the text around it plus its own id.
_PLACEHOLDER = 987654321987654321


@dataclass(frozen=True, slots=True)
class _Table:
    """What every row of one table shares: computed once per render, not once per row."""

    can_bulk: bool
    can_act: bool
    can_change: bool
    can_delete: bool
    track_url: str  # escaped; "" when the user may not create ring pools
    hidden: frozenset[str]  # the ids of the columns the user hid
    state_qs: str  # escaped "?<list state>" (or ""), so an action answers for this view
    csrf_input: str  # the hidden input of {% csrf_token %}
    urls: dict[str, tuple[str, str]]  # URL name -> (before the id, after the id)

    def url(self, name: str, remote_id: int) -> str:
        before, after = self.urls[name]
        return f"{before}{remote_id}{after}"


def _table(context: template.Context) -> _Table:
    cached = context.render_context.get(_Table)
    if cached is None:
        urls = {}
        for name in ("detail", "ignore", "unignore", "delete"):
            before, _, after = reverse(f"destinations:{name}", args=[_PLACEHOLDER]).partition(
                str(_PLACEHOLDER)
            )
            urls[name] = (escape(before), escape(after))
        token = str(context.get("csrf_token") or "")
        cached = _Table(
            can_bulk=bool(context.get("can_bulk")),
            can_act=bool(context.get("can_act")),
            can_change=bool(context.get("can_change")),
            can_delete=bool(context.get("can_delete")),
            track_url=escape(str(context.get("track_url") or "")),
            hidden=frozenset(key for key, hide in (context.get("hide") or {}).items() if hide),
            state_qs=escape(str(context.get("state_qs") or "")),
            csrf_input=(
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
                if token and token != "NOTPROVIDED"
                else ""
            ),
            urls=urls,
        )
        context.render_context[_Table] = cached
    return cached


@register.simple_tag(takes_context=True)
def destination_row(context: template.Context, d: Destination) -> SafeString:
    """``<tr id="destination-<id>">…</tr>`` for the table the context describes."""
    return mark_safe(_row(d, _table(context)))  # noqa: S308 (every value escaped below)


@register.simple_tag
def destination_status(d: Destination) -> SafeString:
    """The status badge, with who ignored it and when (the table's cell, the detail page)."""
    return mark_safe(_status(d))  # noqa: S308 (every value escaped below)


def _row(d: Destination, t: _Table) -> str:
    rid = d.remote_id
    phone = escape(d.phone_number)
    campaign = escape(d.campaign_name)
    pool = escape(d.ring_pool_name)
    hidden = t.hidden
    cells = [f'<tr id="destination-{rid}">']
    if t.can_bulk:
        cells.append(
            f'<td class="col-check"><input type="checkbox" name="ids" value="{rid}" '
            f'form="bulk-form" data-select-row data-label="{phone}" '
            f'aria-label="Select {phone}"></td>'
        )
    sub = (
        f'<span class="show-narrow cell-sub">{campaign}</span>'
        if campaign and "campaign" not in hidden
        else ""
    )
    cells.append(
        f'<td class="col-phone"><a class="phone" href="{t.url("detail", rid)}">'
        f"{phone or '(no number)'}</a>{sub}</td>"
    )
    if "campaign" not in hidden:
        cells.append(f'<td class="truncate hide-narrow" title="{campaign}">{campaign or "—"}</td>')
    if "ring_pool" not in hidden:
        cells.append(f'<td class="truncate hide-narrow" title="{pool}">{pool or "—"}</td>')
    if "status" not in hidden:
        cells.append(f'<td class="col-status">{_status(d)}</td>')
    if "created" not in hidden:
        cells.append(f'<td class="hide-narrow nowrap">{day_stamp_html(d.created_at)}</td>')
    if "updated" not in hidden:
        cells.append(f'<td class="hide-narrow nowrap">{day_stamp_html(d.updated_at)}</td>')
    if t.can_act:
        actions = _actions(d, t)
        cells.append(f'<td class="col-actions"><div class="row-actions">{actions}</div></td>')
    cells.append("</tr>")
    return "".join(cells)


def _actions(d: Destination, t: _Table) -> str:
    rid, phone = d.remote_id, escape(d.phone_number)
    html = []
    if d.is_discovered:
        if t.track_url:
            html.append(
                f'<a class="btn btn-small" href="{t.track_url}?destination={rid}" '
                f'title="Create a ring pool for {phone}" aria-label="Track {phone}">Track</a>'
            )
        if t.can_change:
            html.append(_form(t, "ignore", rid, "Ignore", f"Ignore {phone}"))
    elif d.is_ignored and t.can_change:
        if getattr(d, "ignore_record", None):
            html.append(_form(t, "unignore", rid, "Un-ignore", f"Un-ignore {phone}"))
        else:
            on = f" on {date_filter(d.ignored_at, 'Y-m-d')}" if d.ignored_at else ""
            html.append(
                f'<span class="action-note" tabindex="0" title="Ignored in Invoca itself{on}: '
                'that can only be undone in Invoca, not here.">'
                '<button type="button" class="btn btn-small" disabled>Un-ignore</button></span>'
            )
    if t.can_delete:
        html.append(
            _form(
                t,
                "delete",
                rid,
                "Delete",
                f"Delete {phone}",
                button_css=" btn-danger-outline",
                attrs=(
                    ' hx-target="#destination-table" hx-swap="outerHTML" '
                    f'hx-confirm="{escape(_delete_question(d))}" data-confirm-label="Delete"'
                ),
            )
        )
    return "".join(html)


def _form(
    t: _Table,
    name: str,
    rid: int,
    label: str,
    aria_label: str,
    *,
    button_css: str = "",
    attrs: str = "",
) -> str:
    url = t.url(name, rid) + t.state_qs
    return (
        f'<form method="post" action="{url}" hx-post="{url}"{attrs}>{t.csrf_input}'
        f'<button type="submit" class="btn btn-small{button_css}" aria-label="{aria_label}">'
        f"{label}</button></form>"
    )


def _delete_question(d: Destination) -> str:
    """The confirmation a delete asks (plain text; escaped where it is put)."""
    question = f"Delete {d.phone_number}"
    if d.campaign_name:
        question += f" (campaign “{d.campaign_name}”)"
    question += " from Invoca?"
    if d.is_tracked:
        pool = d.ring_pool_name or d.ring_pool_id_from_network
        question += f" It is tracked by the ring pool “{pool}”, which loses this number."
    return question + " This cannot be undone."


def _status(d: Destination) -> str:
    if d.is_tracked:
        return '<span class="badge badge-tracked">Tracked</span>'
    if not d.is_ignored:
        return '<span class="badge badge-discovered">Discovered</span>'
    badge = '<span class="badge badge-ignored">Ignored</span>'
    record = getattr(d, "ignore_record", None)
    if record:
        user = record.ignored_by
        by = escape((user.get_username() if user else "") or "a removed user")
        at = record.ignored_at
        return f'{badge} <span class="status-note">by {by}, {_time(at, naturaltime(at))}</span>'
    if d.ignored_at:
        at = d.ignored_at
        note = _time(at, date_filter(at, "Y-m-d"))
        return f'{badge} <span class="status-note">in Invoca, {note}</span>'
    return badge


def _time(at, text: str) -> str:
    """``<time>`` of a moment, showing ``text``, its full date and time on hover."""
    return (
        f'<time datetime="{escape(date_filter(at, "c"))}" '
        f'title="{escape(date_filter(at, "Y-m-d H:i:s T"))}">{escape(text)}</time>'
    )
