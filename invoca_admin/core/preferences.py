"""A user's own state around the lists: saved views, hidden columns, the overview's last visit.

Reads and writes of the models in ``core/models.py`` (``SavedView``, ``ListPreference``,
``OverviewVisit``); the pages that use them are in ``invoca_admin/preferences.py`` and the
list component (``core/lists.py``).
"""

import re
from datetime import datetime, timedelta

from django import forms
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from .models import LISTS, ListPreference, OverviewVisit, SavedView

#: A view of the overview this long after the previous one starts a new visit.
VISIT_GAP = timedelta(minutes=30)
#: Parameters that are not list state: the page, and the "no default view" marker.
NOT_STATE = ("page", "view")
#: What a column id may look like (they come from a form, so they are checked).
COLUMN_ID_RE = re.compile(r"[a-z_]{1,40}")
COLUMNS_MAX = 30
#: Saved views one user keeps per list (the navigation lists them all: pages stay small).
VIEWS_PER_LIST_MAX = 50
QUERY_MAX_LENGTH = SavedView._meta.get_field("query").max_length
NAME_MAX_LENGTH = SavedView._meta.get_field("name").max_length


# --- saved views ----------------------------------------------------------------------------


def view_query(query: str) -> str:
    """A list's query string as a saved view keeps it: without ``?``, the page or ``view``."""
    state = QueryDict(query.lstrip("?"), mutable=True)
    for name in NOT_STATE:
        state.pop(name, None)
    return state.urlencode()


def saved_views_of(*, user) -> list[SavedView]:
    """Every saved view of `user`, of every list."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(SavedView.objects.filter(user=user))


def saved_views_grouped(*, user, views: list[SavedView] | None = None):
    """The user's views per list, in the navigation's order: [(list label, views)].
    ``views``: all of the user's views, when the caller has already read them."""
    if views is None:
        views = saved_views_of(user=user)
    return [
        (label, [v for v in views if v.list_id == list_id])
        for list_id, (label, _url) in LISTS.items()
        if any(v.list_id == list_id for v in views)
    ]


class SavedViewForm(forms.ModelForm):
    """Name a list state. Names are unique per user and list whatever their case, and one
    state is saved once."""

    class Meta:
        model = SavedView
        fields = ["list_id", "query", "name", "is_default"]
        labels = {"is_default": "Open this list on it (my default)"}
        error_messages = {
            "name": {
                "required": "Give the view a name.",
                "max_length": "At most %(limit_value)d characters.",
            },
            "query": {"max_length": "This list state is too long to save as a view."},
        }

    def __init__(self, *args, user, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.user = user
        self.fields["name"].widget.attrs.update(maxlength=NAME_MAX_LENGTH, autocomplete="off")
        if instance is not None and instance.pk:  # renaming: the list and state stay
            del self.fields["list_id"], self.fields["query"]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the view a name.")
        return name

    def clean_query(self) -> str:
        return view_query(self.cleaned_data.get("query") or "")

    def clean(self):
        cleaned = super().clean()
        list_id = cleaned.get("list_id") or (self.instance.list_id if self.instance.pk else "")
        others = SavedView.objects.filter(user=self.user, list_id=list_id).exclude(
            pk=self.instance.pk
        )
        if not self.instance.pk and others.count() >= VIEWS_PER_LIST_MAX:
            self.add_error(
                None,
                f"You have {VIEWS_PER_LIST_MAX} views on this list, the most there can be: "
                "delete one first.",
            )
        name = cleaned.get("name")
        if name and others.filter(name__iexact=name).exists():
            self.add_error("name", f"You already have a view named “{name}” on this list.")
        if "query" in self.fields and "query" in cleaned:
            same = others.filter(query=cleaned["query"]).first()
            if same is not None:
                self.add_error(None, f"This list state is already saved as “{same.name}”.")
        return cleaned

    def validate_unique(self) -> None:
        pass  # clean() says it in words; the constraints still guard the database

    @transaction.atomic
    def save(self, commit: bool = True) -> SavedView:
        view = super().save(commit=False)
        view.user = self.user
        if view.is_default:
            SavedView.objects.filter(user=self.user, list_id=view.list_id, is_default=True).exclude(
                pk=view.pk
            ).update(is_default=False)
        view.save()
        return view


def saved_view_save(form: SavedViewForm) -> SavedView | None:
    """Save a valid form; a name taken at the same moment by another request is a field
    error, not a 500."""
    try:
        return form.save()
    except IntegrityError:
        form.add_error("name", "You already have a view with this name on this list.")
        return None


def saved_view_set_default(*, view: SavedView, is_default: bool) -> None:
    with transaction.atomic():
        if is_default:
            SavedView.objects.filter(
                user_id=view.user_id, list_id=view.list_id, is_default=True
            ).exclude(pk=view.pk).update(is_default=False)
        view.is_default = is_default
        view.save(update_fields=["is_default"])


# --- columns --------------------------------------------------------------------------------


def hidden_columns(*, user, list_id: str) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    pref = ListPreference.objects.filter(user=user, list_id=list_id).first()
    hidden = pref.hidden_columns if pref else []
    return {c for c in hidden if isinstance(c, str)} if isinstance(hidden, list) else set()


def clean_column_ids(values: list[str]) -> list[str]:
    """The column ids of a form that look like ids (anything else is dropped)."""
    return sorted({v for v in values if COLUMN_ID_RE.fullmatch(v)})[:COLUMNS_MAX]


def hidden_columns_set(*, user, list_id: str, hidden: list[str]) -> None:
    ListPreference.objects.update_or_create(
        user=user, list_id=list_id, defaults={"hidden_columns": clean_column_ids(hidden)}
    )


# --- the overview's last visit --------------------------------------------------------------


def overview_visit(*, user, now: datetime | None = None) -> datetime | None:
    """Record a view of the overview; answer when the user's previous visit ended (their
    last view before this visit began), or None on a first visit.

    Views less than ``VISIT_GAP`` apart are one visit: reloading keeps the same answer.
    """
    now = now or timezone.now()
    with transaction.atomic():
        visit = OverviewVisit.objects.select_for_update().filter(user=user).first()
        if visit is None:
            try:
                with transaction.atomic():
                    OverviewVisit.objects.create(user=user, seen_at=now)
            except IntegrityError:  # a second tab got there first: that is this visit
                pass
            return None
        if now - visit.seen_at > VISIT_GAP:
            visit.previous_seen_at = visit.seen_at
        visit.seen_at = max(visit.seen_at, now)
        visit.save(update_fields=["seen_at", "previous_seen_at"])
        return visit.previous_seen_at
