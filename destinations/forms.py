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
    destination_advertiser_name,
    destination_campaign_name,
    destination_ring_pool_name,
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
        "advertiser",
        "campaign",
        "ring_pool",
        "created_from",
        "created_to",
        "sort_by",
        "sort_dir",
        "per_page",
    )
    hidden_state = ("status", "sort_by", "sort_dir")

    status = forms.ChoiceField(required=False, choices=[("", "All"), *Status.choices])
    query = forms.CharField(required=False)
    campaign = forms.CharField(required=False, max_length=64)
    advertiser = forms.CharField(required=False, max_length=64)
    ring_pool = forms.CharField(required=False, max_length=64)
    # Discovered (created at Invoca) between these days, both included.
    created_from = forms.DateField(required=False)
    created_to = forms.DateField(required=False)

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

    def _clean_day(self, name: str):
        day = self.cleaned_data[name]
        if day is not None and not 1900 <= day.year <= 9000:
            raise forms.ValidationError("Choose a day between the years 1900 and 9000.")
        return day

    def clean_created_from(self):
        return self._clean_day("created_from")

    def clean_created_to(self):
        return self._clean_day("created_to")

    def clean_advertiser(self) -> str:
        advertiser = self.cleaned_data["advertiser"].strip()
        if advertiser:
            self.advertiser_name = destination_advertiser_name(advertiser=advertiser)
            if self.advertiser_name is None:
                raise forms.ValidationError("No such advertiser in the cache.")
        return advertiser

    def clean_ring_pool(self) -> str:
        ring_pool = self.cleaned_data["ring_pool"].strip()
        if ring_pool:
            self.ring_pool_name = destination_ring_pool_name(ring_pool=ring_pool)
            if self.ring_pool_name is None:
                raise forms.ValidationError("No cached destination is in this ring pool.")
        return ring_pool

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
            advertiser=self.value("advertiser"),
            ring_pool=self.value("ring_pool"),
            created_from=self.value("created_from") or None,
            created_to=self.value("created_to") or None,
        )
