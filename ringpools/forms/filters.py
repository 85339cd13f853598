"""The ring pools list's query string."""

from typing import Any

from django import forms

from invoca_admin.core.lists import ListForm

SORT_FIELDS = {
    "name": ("name", "Name"),
    "campaign": ("campaign__name", "Campaign"),
    "pool_type": ("pool_type", "Pool type"),
    "max_pool_size": ("max_pool_size", "Max size"),
    "lifetime_seconds": ("lifetime_seconds", "Lifetime"),
    "preferred": ("preferred", "Preferred"),
}
LIST_DEFAULTS = {"sort_by": "name", "sort_dir": "asc", "per_page": 25}


class RingPoolFilterForm(ListForm):
    """The list's query string. Each bad value falls back to its default on its own."""

    sort_keys = tuple(SORT_FIELDS)
    default_sort_by = LIST_DEFAULTS["sort_by"]
    default_per_page = LIST_DEFAULTS["per_page"]
    state_order = ("advertiser", "campaign", "query", "sort_by", "sort_dir", "per_page")

    advertiser = forms.CharField(required=False, max_length=64)
    campaign = forms.CharField(required=False, max_length=64)
    query = forms.CharField(required=False, max_length=200, strip=True)

    def state(self) -> dict[str, Any]:
        """The valid values, with defaults in place of missing or bad ones."""
        values = {name: self.value(name) for name in self.fields}
        values["page"] = str(values["page"] or "")
        return values
