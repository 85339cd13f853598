"""The list's state, parsed from the query string (or a bulk action's POST body).

Every field falls back to its default on its own: a bad `sort_by` does not throw
away a good `query`, and nothing here ever leads to an error page. The shared
behaviour is the list component's (`invoca_admin.core.lists.ListForm`).
"""

from django import forms
from django.http import QueryDict

from invoca_admin.core.lists import PER_PAGE_CHOICES, ListForm

from .models import Status
from .selectors import (
    DEFAULT_SORT_BY,
    DEFAULT_SORT_DIR,
    SORT_FIELDS,
    DestinationFilters,
    destination_campaign_name,
)

__all__ = ["DEFAULT_PER_PAGE", "PER_PAGE_CHOICES", "DestinationFilterForm"]

DEFAULT_PER_PAGE = 50
QUERY_MAX_LENGTH = 100


class DestinationFilterForm(ListForm):
    sort_keys = tuple(SORT_FIELDS)
    default_sort_by = DEFAULT_SORT_BY
    default_sort_dir = DEFAULT_SORT_DIR
    default_per_page = DEFAULT_PER_PAGE
    state_order = (
        "status",
        "query",
        "campaign",
        "discovered_from",
        "sort_by",
        "sort_dir",
        "per_page",
    )
    hidden_state = ("status", "discovered_from", "sort_by", "sort_dir")

    status = forms.ChoiceField(required=False, choices=[("", "All"), *Status.choices])
    query = forms.CharField(required=False)
    campaign = forms.CharField(required=False, max_length=64)
    discovered_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def clean_query(self) -> str:
        # A very long paste is cut, not rejected (rejecting would show everything).
        return " ".join(self.cleaned_data["query"].split())[:QUERY_MAX_LENGTH]

    def clean_campaign(self) -> str:
        campaign = self.cleaned_data["campaign"].strip()
        if campaign:
            self.campaign_name = destination_campaign_name(campaign=campaign)
            if self.campaign_name is None:
                raise forms.ValidationError("No cached destination is in this campaign.")
        return campaign

    def clean_discovered_from(self):
        day = self.cleaned_data["discovered_from"]
        if day is not None and not 1900 <= day.year <= 9000:
            raise forms.ValidationError("Not a date the cache can hold.")
        return day

    def state(self, *, page: int | None = None) -> QueryDict:
        """The canonical query string of this view (see ListForm.canonical)."""
        return self.canonical(page=page)

    @property
    def filters(self) -> DestinationFilters:
        return DestinationFilters(
            status=self.value("status"),
            query=self.value("query"),
            campaign=self.value("campaign"),
            sort_by=self.value("sort_by"),
            sort_dir=self.value("sort_dir"),
            discovered_from=self.value("discovered_from") or None,
        )
