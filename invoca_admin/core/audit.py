"""The audit log: one call per write the dashboard makes, and the log's list."""

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Q, QuerySet

from invoca_admin.invoca import InvocaError, InvocaServerError

from .lists import ListForm
from .models import AuditEntry


def audit_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target_type: str,
    target_id: object,
    target_scope: str = "",
    target_label: str = "",
    error: InvocaError | None = None,
    detail: str = "",
) -> AuditEntry:
    """Record who did what to which object, and whether Invoca agreed."""
    if user is not None and not user.is_authenticated:
        user = None
    handle = error.error_handle if isinstance(error, InvocaServerError) else None
    return AuditEntry.objects.create(
        user=user,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_scope=target_scope,
        target_label=target_label[:255],
        outcome=AuditEntry.Outcome.FAILED if error else AuditEntry.Outcome.OK,
        detail=(error.message if error else detail)[:2000],
        error_handle=handle or "",
    )


# --- the audit log page ---------------------------------------------------------------------

#: Public sort key -> ORM field; the pk follows as a tiebreaker.
AUDIT_SORT_FIELDS = {"at": "at", "action": "action", "target": "target_label", "outcome": "outcome"}
OUTCOME_TABS = (("", "All"), *AuditEntry.Outcome.choices)


class AuditFilterForm(ListForm):
    sort_keys = tuple(AUDIT_SORT_FIELDS)
    default_sort_by = "at"
    default_sort_dir = "desc"
    state_order = ("outcome", "action", "who", "since", "until", "sort_by", "sort_dir", "per_page")
    hidden_state = ("outcome", "sort_by", "sort_dir")

    outcome = forms.ChoiceField(required=False, choices=OUTCOME_TABS)
    action = forms.CharField(required=False, max_length=40)
    who = forms.CharField(required=False, max_length=150, strip=True)
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)

    @property
    def filters(self) -> dict:
        """What narrows the log (the outcome is the tabs'): action, user, date range."""
        return {name: self.value(name) for name in ("action", "who", "since", "until")}


def _filtered(*, action: str = "", who: str = "", since=None, until=None) -> QuerySet:
    """Entries of one action, by one user (the name kept at the time), within a date
    range (whole days, both ends included, in the dashboard's time zone)."""
    entries = AuditEntry.objects.all()
    if action:
        entries = entries.filter(action=action)
    if who:
        entries = entries.filter(username__iexact=who)
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries


def audit_list(*, outcome: str = "", sort_by: str, sort_dir: str, **filters) -> QuerySet:
    entries = _filtered(**filters).select_related("user")
    if outcome:
        entries = entries.filter(outcome=outcome)
    field = F(AUDIT_SORT_FIELDS.get(sort_by, "at"))
    if sort_dir == "desc":
        return entries.order_by(field.desc(), "-pk")
    return entries.order_by(field.asc(), "pk")


def audit_outcome_counts(**filters) -> dict[str, int]:
    """{"all": n, "ok": n, "failed": n} for the tabs, in one query."""
    counts = _filtered(**filters).aggregate(
        all=Count("pk"),
        **{value: Count("pk", filter=Q(outcome=value)) for value in AuditEntry.Outcome.values},
    )
    return {key: value or 0 for key, value in counts.items()}


def audit_users() -> list[str]:
    """The names that appear in the log (as they were when written)."""
    names = AuditEntry.objects.exclude(username="").values_list("username", flat=True)
    return list(names.order_by("username").distinct())


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
