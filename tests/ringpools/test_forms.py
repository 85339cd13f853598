"""Every rule the ring pool forms check before anything is sent to Invoca."""

import pytest

from invoca_admin.invoca import InvocaValidationError
from ringpools.forms import (
    RingPoolCreateForm,
    RingPoolEditForm,
    RingPoolFilterForm,
    normalise_phone_number,
    parse_npa_list,
)

from .conftest import make_advertiser, make_campaign, make_pool

pytestmark = pytest.mark.django_db


def valid_data(**changes) -> dict:
    data = {
        "advertiser": "1",
        "campaign": "101",
        "id_from_network": "gads-sb-01",
        "name": "Google Ads – Santa Barbara",
        "pool_type": "Custom",
        "destination_type": "Advertiser",
        "destination_url": "https://www.example.com/landing",
        "lifetime_seconds": "300",
        "max_pool_size": "2",
        "allow_overflow": "on",
        "search_radius_miles": "240",
        "restrict_search_to_state": "on",
        "allocation_fallback_strategy": "UseTollFree",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def create_form(cached_campaign, /, **changes) -> RingPoolCreateForm:
    """A bound create form for `cached_campaign` (advertiser 1, campaign 101)."""
    return RingPoolCreateForm(valid_data(**changes))


def errors_of(form, field) -> str:
    form.is_valid()
    return " ".join(form.errors.get(field, []))


class TestCreateFormBasics:
    def test_valid_data_is_valid(self, campaign):
        form = create_form(campaign)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["campaign"] == campaign
        assert form.cleaned_data["max_pool_size"] == 2
        assert form.cleaned_data["allow_overflow"] is True
        assert form.local_data() is None

    def test_defaults_shown_on_a_new_form(self, campaign):
        form = RingPoolCreateForm()
        assert form["max_pool_size"].value() == 2
        assert form["allow_overflow"].value() is True
        assert form["search_radius_miles"].value() == 240
        assert form["restrict_search_to_state"].value() is True
        assert form["allocation_fallback_strategy"].value() == "UseTollFree"

    @pytest.mark.parametrize(
        "field",
        ["advertiser", "campaign", "id_from_network", "name", "max_pool_size"],
    )
    def test_required(self, campaign, field):
        form = create_form(campaign, **{field: ""})
        assert not form.is_valid()
        assert field in form.errors

    @pytest.mark.parametrize("field", ["pool_type", "destination_type"])
    def test_optional_as_in_the_2022_docs(self, campaign, field):
        form = create_form(campaign, **{field: ""})
        assert form.is_valid(), form.errors
        assert form.cleaned_data[field] == ""

    def test_id_optional_where_the_network_generates_ids(self, campaign, settings):
        settings.INVOCA_GENERATES_RING_POOL_IDS = True
        form = create_form(campaign, id_from_network="")
        assert form.is_valid(), form.errors
        assert form.cleaned_data["id_from_network"] == ""
        assert "generates an id" in str(form["id_from_network"].help_text)

    def test_campaign_must_belong_to_the_advertiser(self, campaign):
        other = make_campaign(make_advertiser("2", "Other"), idfn="201", name="Other campaign")
        form = create_form(campaign, campaign=other.id_from_network)
        assert "campaign" in form.errors

    def test_campaign_choices_follow_the_advertiser(self, campaign):
        make_campaign(make_advertiser("2", "Other"), idfn="201", name="Other campaign")
        form = RingPoolCreateForm(initial={"advertiser": "1"})
        assert list(form.fields["campaign"].queryset) == [campaign]
        assert list(RingPoolCreateForm().fields["campaign"].queryset) == []

    @pytest.mark.parametrize("value", ["   ", "a/b", "a?b", "a#b", "x" * 256])
    def test_id_from_network_rejected(self, campaign, value):
        assert errors_of(create_form(campaign, id_from_network=value), "id_from_network")

    def test_id_from_network_already_used_in_the_campaign(self, campaign):
        make_pool(campaign, idfn="gads-sb-01", name="Existing pool")
        message = errors_of(create_form(campaign), "id_from_network")
        assert "already has a ring pool with this id" in message
        assert "Existing pool" in message

    def test_same_id_in_another_campaign_is_left_to_invoca(self, campaign):
        other = make_campaign(campaign.advertiser, idfn="102", name="Second")
        make_pool(other, idfn="gads-sb-01")
        assert create_form(campaign).is_valid()

    @pytest.mark.parametrize("value", ["", "   "])
    def test_name_may_not_be_blank(self, campaign, value):
        assert errors_of(create_form(campaign, name=value), "name")

    def test_name_max_length(self, campaign):
        assert errors_of(create_form(campaign, name="x" * 256), "name")

    @pytest.mark.parametrize(
        "value",
        [
            "Search",
            "SearchKeyword",
            "Custom",
            "CustomWithSearchTracking",
            "ReferralDomain",
            "ReferralDomainWithSearchTracking",
        ],
    )
    def test_the_six_pool_types(self, campaign, value):
        assert create_form(campaign, pool_type=value).is_valid()

    def test_unknown_pool_type(self, campaign):
        assert errors_of(create_form(campaign, pool_type="Magic"), "pool_type")

    @pytest.mark.parametrize("value,ok", [("Advertiser", True), ("API", True), ("Other", False)])
    def test_destination_type(self, campaign, value, ok):
        assert create_form(campaign, destination_type=value).is_valid() is ok

    def test_destination_url_must_be_a_url(self, campaign):
        assert errors_of(create_form(campaign, destination_url="not a url"), "destination_url")

    @pytest.mark.parametrize(
        "value,ok", [("0", True), ("", True), ("-1", False), ("1.5", False), ("x", False)]
    )
    def test_lifetime_is_a_whole_number_from_zero(self, campaign, value, ok):
        assert create_form(campaign, lifetime_seconds=value).is_valid() is ok

    @pytest.mark.parametrize(
        "value,ok", [("1", True), ("25", True), ("0", False), ("-3", False), ("two", False)]
    )
    def test_max_pool_size_at_least_one(self, campaign, value, ok):
        assert create_form(campaign, max_pool_size=value).is_valid() is ok

    def test_booleans(self, campaign):
        form = create_form(
            campaign,
            preferred="on",
            is_first_preference="on",
            fill_immediately="on",
            allow_overflow=None,
        )
        assert form.is_valid()
        assert form.cleaned_data["preferred"] is True
        assert form.cleaned_data["is_first_preference"] is True
        assert form.cleaned_data["fill_immediately"] is True
        assert form.cleaned_data["allow_overflow"] is False

    def test_params_max_length(self, campaign):
        assert errors_of(create_form(campaign, param3="x" * 256), "param3")
        assert create_form(campaign, param10="gclid").is_valid()

    def test_params_fold_away_unless_used(self, campaign):
        assert RingPoolCreateForm().params_open is False
        assert create_form(campaign, param4="gclid").params_open is True
        form = create_form(campaign, param4="x" * 300)
        form.is_valid()
        assert form.params_open is True


class TestPhoneNumber:
    @pytest.mark.parametrize(
        "typed",
        [
            "805-555-0123",
            "(805) 555-0123",
            "8055550123",
            "+1 805 555 0123",
            "1-805-555-0123",
            "805.555.0123",
            "805\u2010555\u20100123",  # Unicode hyphens, as in Invoca's advertiser example
        ],
    )
    def test_normalised(self, campaign, typed):
        form = create_form(campaign, destination_phone_number=typed)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["destination_phone_number"] == "805-555-0123"

    @pytest.mark.parametrize(
        "typed",
        [
            "12",
            "555-0123",
            "hello",
            "+44 20 7946 0958",
            "123-456-7890",
            "805-555-01234567",
        ],
    )
    def test_rejected(self, campaign, typed):
        assert errors_of(
            create_form(campaign, destination_phone_number=typed), "destination_phone_number"
        )

    def test_invocas_own_example_number_is_accepted(self, campaign):
        form = create_form(campaign, destination_phone_number="888-111-2222")
        assert form.is_valid(), form.errors
        assert form.cleaned_data["destination_phone_number"] == "888-111-2222"

    def test_blank_is_fine(self, campaign):
        form = create_form(campaign, destination_phone_number="  ")
        assert form.is_valid()
        assert form.cleaned_data["destination_phone_number"] == ""

    def test_tag_id_needs_a_number(self, campaign):
        assert errors_of(create_form(campaign, obfuscated_tag_id="abc123"), "obfuscated_tag_id")
        form = create_form(
            campaign, obfuscated_tag_id="abc123", destination_phone_number="8055550123"
        )
        assert form.is_valid()

    def test_normalise_helper(self):
        assert normalise_phone_number("+1 (212) 200-3456") == "212-200-3456"


class TestLocalRingPool:
    def test_by_npa(self, campaign):
        form = create_form(campaign, centre_by="npa", tn_prefix="805")
        assert form.is_valid(), form.errors
        assert form.local_data() == {
            "local_center": {"tn_prefix": "805"},
            "local_number_preferences": {
                "search_radius_miles": 240,
                "restrict_search_to_state": True,
                "allocation_fallback_strategy": "UseTollFree",
            },
            "tn_prefix_whitelist": [],
        }

    @pytest.mark.parametrize("value", ["012", "199", "80", "8a5", "8055"])
    def test_npa_is_3_digits_not_starting_0_or_1(self, campaign, value):
        assert errors_of(create_form(campaign, centre_by="npa", tn_prefix=value), "tn_prefix")

    def test_npa_needed_when_chosen(self, campaign):
        assert errors_of(create_form(campaign, centre_by="npa"), "tn_prefix")

    def test_by_zip(self, campaign):
        form = create_form(campaign, centre_by="zip", zipcode="93101")
        assert form.is_valid()
        assert form.local_data()["local_center"] == {"zipcode": "93101"}

    @pytest.mark.parametrize("value", ["9310", "931011", "9310a", "00000"])
    def test_zip_is_5_digits(self, campaign, value):
        assert errors_of(create_form(campaign, centre_by="zip", zipcode=value), "zipcode")

    def test_zip_needed_when_chosen(self, campaign):
        assert errors_of(create_form(campaign, centre_by="zip"), "zipcode")

    def test_by_coordinates(self, campaign):
        form = create_form(campaign, centre_by="coords", latitude="34.4208", longitude="-119.6982")
        assert form.is_valid()
        assert form.local_data()["local_center"] == {"latitude": 34.4208, "longitude": -119.6982}

    def test_latitude_and_longitude_go_together(self, campaign):
        form = create_form(campaign, centre_by="coords", latitude="34.4")
        assert "give both" in errors_of(form, "longitude")
        form = create_form(campaign, centre_by="coords", longitude="-119")
        assert "give both" in errors_of(form, "latitude")

    @pytest.mark.parametrize(
        "lat,lng,field",
        [
            ("90.1", "0", "latitude"),
            ("-91", "0", "latitude"),
            ("0", "180.5", "longitude"),
            ("0", "-181", "longitude"),
            ("north", "0", "latitude"),
        ],
    )
    def test_coordinate_ranges(self, campaign, lat, lng, field):
        assert errors_of(
            create_form(campaign, centre_by="coords", latitude=lat, longitude=lng), field
        )

    @pytest.mark.parametrize("lat,lng", [("90", "180"), ("-90", "-180"), ("0", "0")])
    def test_coordinate_bounds_are_inclusive(self, campaign, lat, lng):
        assert create_form(campaign, centre_by="coords", latitude=lat, longitude=lng).is_valid()

    def test_only_one_way_of_giving_the_centre(self, campaign):
        form = create_form(campaign, centre_by="npa", tn_prefix="805", zipcode="93101")
        assert "clear this field" in errors_of(form, "zipcode")
        form = create_form(campaign, centre_by="zip", zipcode="93101", latitude="34")
        assert errors_of(form, "latitude")

    def test_the_way_is_taken_from_what_was_typed(self, campaign):
        form = create_form(campaign, zipcode="93101")
        assert form.is_valid()
        assert form.local_data()["local_center"] == {"zipcode": "93101"}

    def test_two_ways_typed_without_a_choice(self, campaign):
        form = create_form(campaign, zipcode="93101", tn_prefix="805")
        assert "one way only" in errors_of(form, "centre_by")

    def test_preferences(self, campaign):
        form = create_form(
            campaign,
            centre_by="npa",
            tn_prefix="805",
            search_radius_miles="0",
            restrict_search_to_state=None,
            allocation_fallback_strategy="Wait",
        )
        assert form.is_valid()
        assert form.local_data()["local_number_preferences"] == {
            "search_radius_miles": 0,
            "restrict_search_to_state": False,
            "allocation_fallback_strategy": "Wait",
        }

    def test_blank_radius_means_240(self, campaign):
        form = create_form(campaign, centre_by="npa", tn_prefix="805", search_radius_miles="")
        assert form.is_valid()
        assert form.local_data()["local_number_preferences"]["search_radius_miles"] == 240

    @pytest.mark.parametrize("value", ["-1", "2.5", "far"])
    def test_radius_is_a_whole_number_from_zero(self, campaign, value):
        form = create_form(campaign, centre_by="npa", tn_prefix="805", search_radius_miles=value)
        assert errors_of(form, "search_radius_miles")

    def test_fallback_strategy_choices(self, campaign):
        form = create_form(
            campaign, centre_by="npa", tn_prefix="805", allocation_fallback_strategy="Panic"
        )
        assert errors_of(form, "allocation_fallback_strategy")

    def test_whitelist_parsed(self, campaign):
        form = create_form(
            campaign, centre_by="npa", tn_prefix="805", tn_prefix_whitelist="805, 212 415;805"
        )
        assert form.is_valid()
        assert form.local_data()["tn_prefix_whitelist"] == ["805", "212", "415"]

    @pytest.mark.parametrize("value", ["805, 12", "805,0123", "abc", "105"])
    def test_whitelist_entries_are_npas(self, campaign, value):
        form = create_form(campaign, centre_by="npa", tn_prefix="805", tn_prefix_whitelist=value)
        assert errors_of(form, "tn_prefix_whitelist")

    def test_whitelist_needs_a_centre(self, campaign):
        assert "only for Local RingPools" in errors_of(
            create_form(campaign, tn_prefix_whitelist="805"), "tn_prefix_whitelist"
        )

    def test_local_fieldset_opens_when_used(self, campaign):
        assert RingPoolCreateForm().local_open is False
        assert create_form(campaign, zipcode="93101").local_open is True
        assert create_form(campaign, tn_prefix_whitelist="805").local_open is True

    def test_parse_npa_list_helper(self):
        assert parse_npa_list("") == []
        assert parse_npa_list(" 212\n415 ") == ["212", "415"]


class TestInvocaErrors:
    def test_field_errors_go_to_their_fields(self, campaign):
        form = create_form(campaign)
        assert form.is_valid()
        form.add_invoca_errors(
            InvocaValidationError(
                "x", field_errors={"pool_type": ["can't be blank"], "name": ["can't be blank"]}
            )
        )
        assert form.errors["pool_type"] == ["Invoca says: Can't be blank"]
        assert form.errors["name"] == ["Invoca says: Can't be blank"]
        assert not form.non_field_errors()

    def test_local_keys_go_to_the_local_fieldset(self, campaign):
        form = create_form(campaign)
        form.is_valid()
        form.add_invoca_errors(
            InvocaValidationError(
                "x",
                field_errors={
                    "local_center": ["can't be blank"],
                    "search_radius_miles": ["must be greater than or equal to 0"],
                    "tn_prefix_whitelist": ["must be a list of 3-digit area codes (NPAs)"],
                },
            )
        )
        assert "centre_by" in form.errors
        assert "search_radius_miles" in form.errors
        assert "tn_prefix_whitelist" in form.errors
        assert form.local_open

    def test_unknown_keys_go_to_the_top(self, campaign):
        form = create_form(campaign)
        form.is_valid()
        form.add_invoca_errors(InvocaValidationError("x", field_errors={"api_key": ["is invalid"]}))
        assert form.non_field_errors() == ["Invoca says: Api key: is invalid"]

    def test_a_single_message_goes_to_the_top(self, campaign):
        form = create_form(campaign)
        form.is_valid()
        form.add_invoca_errors(
            InvocaValidationError(
                "Invalid Key in Local Center.", non_field_message="Invalid Key in Local Center."
            )
        )
        assert form.non_field_errors() == [
            "Invoca refused the ring pool: Invalid Key in Local Center."
        ]
        assert form.local_open  # the message is about the Local RingPool fieldset


class TestEditForm:
    def test_initial_from_the_cached_pool(self, campaign):
        pool = make_pool(
            campaign,
            allow_overflow=False,
            payload={"param1": "gclid", "param2": None},
            max_pool_size=7,
        )
        form = RingPoolEditForm(ring_pool=pool)
        assert form["name"].value() == "Google Ads"
        assert form["max_pool_size"].value() == 7
        assert form["param1"].value() == "gclid"
        assert form["param2"].value() == ""
        assert form["allow_overflow"].value() is False
        assert form.params_open

    def test_no_advertiser_campaign_id_or_local_fields(self, pool):
        form = RingPoolEditForm(ring_pool=pool)
        for name in (
            "advertiser",
            "campaign",
            "id_from_network",
            "centre_by",
            "tn_prefix_whitelist",
        ):
            assert name not in form.fields

    def test_allow_overflow_cannot_change(self, pool):
        pool.allow_overflow = False
        data = {
            "name": "Renamed",
            "pool_type": "Search",
            "destination_type": "API",
            "max_pool_size": "3",
            "allow_overflow": "on",
        }
        form = RingPoolEditForm(data, ring_pool=pool)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["allow_overflow"] is False
        assert "disabled" in str(form["allow_overflow"])

    def test_same_rules_as_create(self, pool):
        form = RingPoolEditForm(
            {
                "name": "",
                "pool_type": "Nope",
                "destination_type": "Advertiser",
                "max_pool_size": "0",
                "destination_phone_number": "12",
            },
            ring_pool=pool,
        )
        assert set(form.errors) == {
            "name",
            "pool_type",
            "max_pool_size",
            "destination_phone_number",
        }


class TestFilterForm:
    def test_defaults(self):
        state = RingPoolFilterForm({}).state()
        assert state == {
            "advertiser": "",
            "campaign": "",
            "query": "",
            "sort_by": "name",
            "sort_dir": "asc",
            "per_page": 25,
            "page": "",
        }

    def test_bad_values_fall_back_one_by_one(self):
        state = RingPoolFilterForm(
            {
                "sort_by": "password",
                "sort_dir": "sideways",
                "per_page": "1000000",
                "query": " x ",
                "page": "2",
            }
        ).state()
        assert state["sort_by"] == "name"
        assert state["sort_dir"] == "asc"
        assert state["per_page"] == 1000  # more than the most a page shows: clamped to it
        assert state["query"] == "x"
        assert state["page"] == "2"

    def test_good_values(self):
        state = RingPoolFilterForm(
            {"sort_by": "lifetime_seconds", "sort_dir": "desc", "per_page": "100"}
        ).state()
        assert (state["sort_by"], state["sort_dir"], state["per_page"]) == (
            "lifetime_seconds",
            "desc",
            100,
        )


class TestNumbersTheCacheCanHold:
    """A number the cache's integer columns cannot hold is a field error, not a 500 later."""

    @pytest.mark.parametrize("field", ["lifetime_seconds", "max_pool_size", "search_radius_miles"])
    @pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 40])
    def test_too_large_is_a_field_error(self, campaign, field, value):
        form = create_form(campaign, **{field: value})
        assert not form.is_valid()
        assert "less than or equal to 2147483647" in errors_of(form, field)

    @pytest.mark.parametrize("field", ["lifetime_seconds", "max_pool_size"])
    def test_largest_value_is_accepted(self, campaign, field):
        form = create_form(campaign, **{field: str(2**31 - 1)})
        assert form.is_valid(), form.errors
        assert form.cleaned_data[field] == 2**31 - 1

    def test_edit_form_checks_the_same_range(self, campaign):
        pool = make_pool(campaign)
        form = RingPoolEditForm(
            {
                "name": "x",
                "pool_type": "Custom",
                "destination_type": "API",
                "max_pool_size": str(2**31),
            },
            ring_pool=pool,
        )
        assert not form.is_valid()
        assert "max_pool_size" in form.errors


def test_an_id_longer_than_the_cache_column_is_a_field_error(campaign):
    form = create_form(campaign, id_from_network="x" * 65)
    assert "at most 64 characters" in errors_of(form, "id_from_network")
