"""The list state parsed from the query string: good values kept, bad ones defaulted."""

import pytest
from django.http import QueryDict

from destinations.forms import DEFAULT_PER_PAGE, DestinationFilterForm
from destinations.selectors import DestinationFilters

from .conftest import make_destination

pytestmark = pytest.mark.django_db


def form(query: str) -> DestinationFilterForm:
    return DestinationFilterForm(QueryDict(query))


class TestDefaults:
    def test_no_parameters_give_the_default_view(self):
        parsed = form("")
        assert parsed.filters == DestinationFilters()
        assert parsed.page_number is None
        assert parsed.page_size == DEFAULT_PER_PAGE
        assert parsed.state(page=1).urlencode() == ""

    @pytest.mark.parametrize(
        "query",
        [
            "status=deleted",
            "status=all",
            "sort_by=password",
            "sort_by=phone_digits",
            "sort_dir=sideways",
            "page=abc",
            "page=-3",
            "page=0",
            "per_page=0",
            "per_page=ten",
            "campaign=does-not-exist",
            "query=%00",
        ],
    )
    def test_unknown_or_malformed_values_fall_back_to_defaults(self, query):
        parsed = form(query)
        assert parsed.filters == DestinationFilters()
        assert parsed.page_number is None
        assert parsed.page_size == DEFAULT_PER_PAGE

    def test_one_bad_value_does_not_discard_the_good_ones(self):
        parsed = form("status=ignored&sort_by=nope&query=555&per_page=100")
        assert parsed.filters == DestinationFilters(status="ignored", query="555")
        assert parsed.page_size == 100


class TestValues:
    def test_every_value_is_parsed(self):
        make_destination(campaign=("83", "Spring"))
        parsed = form(
            "status=tracked&query=+202+555++01+&campaign=83&sort_by=updated&sort_dir=desc"
            "&page=3&per_page=250"
        )
        assert parsed.filters == DestinationFilters(
            status="tracked", query="202 555 01", campaign="83", sort_by="updated", sort_dir="desc"
        )
        assert parsed.page_number == 3
        assert parsed.page_size == 250
        assert parsed.campaign_name == "Spring"

    def test_a_very_long_query_is_cut_not_dropped(self):
        assert form("query=" + "5" * 500).filters.query == "5" * 100

    def test_state_keeps_only_what_differs_from_the_defaults(self):
        parsed = form("status=ignored&sort_by=phone_number&sort_dir=desc&per_page=50&query=")
        assert parsed.state(page=2).urlencode() == "status=ignored&sort_dir=desc&page=2"
