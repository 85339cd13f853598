"""The list's state, parsed from the query string (or a bulk action's POST body).

Every field falls back to its default on its own: a bad `sort_by` does not throw
away a good `query`, and nothing here ever leads to an error page.
"""

from django import forms
from django.http import QueryDict

from .models import Status
from .selectors import (
    DEFAULT_SORT_BY,
    DEFAULT_SORT_DIR,
    SORT_DIRS,
    SORT_FIELDS,
    DestinationFilters,
    destination_campaign_name,
)

PER_PAGE_CHOICES = (25, 50, 100, 250)
DEFAULT_PER_PAGE = 50
QUERY_MAX_LENGTH = 100


class DestinationFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "All"), *Status.choices])
    query = forms.CharField(required=False)
    campaign = forms.CharField(required=False, max_length=64)
    sort_by = forms.ChoiceField(required=False, choices=[(key, key) for key in SORT_FIELDS])
    sort_dir = forms.ChoiceField(required=False, choices=[(d, d) for d in SORT_DIRS])
    page = forms.IntegerField(required=False, min_value=1)
    per_page = forms.TypedChoiceField(
        required=False,
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        coerce=int,
        empty_value=DEFAULT_PER_PAGE,
    )

    DEFAULTS = {
        "status": "",
        "query": "",
        "campaign": "",
        "sort_by": DEFAULT_SORT_BY,
        "sort_dir": DEFAULT_SORT_DIR,
        "page": None,
        "per_page": DEFAULT_PER_PAGE,
    }

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

    def value(self, name: str):
        """The checked value of one field, or its default if it was missing or bad."""
        self.is_valid()
        if name in self.errors:
            return self.DEFAULTS[name]
        value = self.cleaned_data.get(name)
        return self.DEFAULTS[name] if value in (None, "") else value

    @property
    def filters(self) -> DestinationFilters:
        return DestinationFilters(
            status=self.value("status"),
            query=self.value("query"),
            campaign=self.value("campaign"),
            sort_by=self.value("sort_by"),
            sort_dir=self.value("sort_dir"),
        )

    @property
    def page_number(self) -> int | None:
        return self.value("page")

    @property
    def page_size(self) -> int:
        return self.value("per_page")

    def state(self, *, page: int | None = None) -> QueryDict:
        """The canonical query string of this view: only the values that differ from
        the defaults (so URLs stay short), with `page` as given."""
        state = QueryDict(mutable=True)
        for name in ("status", "query", "campaign", "sort_by", "sort_dir", "per_page"):
            value = self.value(name)
            if value != self.DEFAULTS[name]:
                state[name] = str(value)
        if page and page > 1:
            state["page"] = str(page)
        return state
