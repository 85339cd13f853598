"""Forms of the ring pools app: the list's filters and the create / edit ring pool forms.

The ring pool forms check everything Invoca would reject before anything is sent
(see INVOCA_API.md); what Invoca still rejects is put on the matching field by
``add_invoca_errors``.
"""

import re
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator

from invoca_admin.core.lists import ListForm
from invoca_admin.invoca import InvocaValidationError

from .models import Advertiser, Campaign, RingPool

POOL_TYPES = (
    ("Search", "Search"),
    ("SearchKeyword", "Search keyword"),
    ("Custom", "Custom"),
    ("CustomWithSearchTracking", "Custom with search tracking"),
    ("ReferralDomain", "Referral domain"),
    ("ReferralDomainWithSearchTracking", "Referral domain with search tracking"),
)
DESTINATION_TYPES = (("Advertiser", "Advertiser"), ("API", "API"))
FALLBACK_STRATEGIES = (
    ("UseTollFree", "Use toll-free numbers"),
    ("Wait", "Wait for local numbers"),
)
PARAM_FIELDS = tuple(f"param{n}" for n in range(1, 11))
CENTRE_FIELDS = {"npa": ("tn_prefix",), "zip": ("zipcode",), "coords": ("latitude", "longitude")}
LOCAL_FIELDS = (
    "centre_by",
    "tn_prefix",
    "zipcode",
    "latitude",
    "longitude",
    "search_radius_miles",
    "restrict_search_to_state",
    "allocation_fallback_strategy",
    "tn_prefix_whitelist",
)
DEFAULT_SEARCH_RADIUS = 240
#: The largest value the cache's integer columns hold on every database (PostgreSQL
#: ``integer``); a larger number is a field error, never a failed cache write.
INT_MAX = 2**31 - 1
NAME_MAX = 255
STRING_MAX = 2048

_NPA_RE = re.compile(r"[2-9]\d\d")
_ZIP_RE = re.compile(r"\d{5}")
_ID_FORBIDDEN = set("/?#")

NPA_MESSAGE = "An NPA is a 3-digit area code that does not start with 0 or 1, e.g. 805."


def parse_npa(value: str) -> str:
    value = value.strip()
    if not _NPA_RE.fullmatch(value):
        raise forms.ValidationError(f"“{value}” is not an area code. {NPA_MESSAGE}", code="npa")
    return value


def parse_npa_list(value: str) -> list[str]:
    """'805, 212 415' -> ['805', '212', '415'] (order kept, duplicates dropped)."""
    npas: list[str] = []
    errors: list[str] = []
    for part in re.split(r"[\s,;]+", value or ""):
        if not part:
            continue
        if not _NPA_RE.fullmatch(part):
            errors.append(part)
        elif part not in npas:
            npas.append(part)
    if errors:
        listed = ", ".join(f"“{part}”" for part in errors[:5])
        raise forms.ValidationError(
            f"Not an area code: {listed}. {NPA_MESSAGE}", code="npa_whitelist"
        )
    return npas


def normalise_phone_number(value: str) -> str:
    """Any way of typing a North American number -> 'NPA-NXX-XXXX', else ValidationError."""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(
            "This is not a phone number. Type a 10-digit US number, e.g. 805-555-0123.",
            code="phone",
        ) from None
    national = str(number.national_number)
    # Only the area code's first digit is checked: Invoca's own examples use 888-111-2222.
    if number.country_code != 1 or len(national) != 10 or national[0] in "01":
        raise forms.ValidationError(
            "This is not a valid US phone number. Type 10 digits: area code, exchange and "
            "line, e.g. 805-555-0123.",
            code="phone",
        )
    return f"{national[:3]}-{national[3:6]}-{national[6:]}"


REQUIRED_MESSAGES = {
    "advertiser": "Choose the advertiser.",
    "campaign": "Choose the campaign the pool belongs to.",
    "id_from_network": "Give the pool an id.",
    "name": "Give the ring pool a name.",
    "pool_type": "Choose a pool type.",
    "destination_type": "Choose a destination type.",
    "max_pool_size": "Give the largest number of tracking numbers, at least 1.",
}


# --- the list's filters -------------------------------------------------------------------------


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


# --- the ring pool forms ------------------------------------------------------------------------


class AdvertiserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Advertiser) -> str:
        label = obj.name or obj.id_from_network
        if obj.approval_status and obj.approval_status != "Approved":
            label = f"{label} ({obj.approval_status})"
        return label


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        label = obj.name or obj.id_from_network
        if obj.status and obj.status != "Activated":
            label = f"{label} ({obj.status})"
        return label


class RingPoolForm(forms.Form):
    """The fields that both create and edit send."""

    name = forms.CharField(
        max_length=NAME_MAX,
        help_text="A name people recognise, e.g. “Google Ads – Santa Barbara”.",
    )
    pool_type = forms.ChoiceField(
        required=False,
        choices=[("", "Invoca's default"), *POOL_TYPES],
        help_text="Which visits get numbers from this pool: search traffic, custom "
        "parameters, referring domains, or a mix. Optional.",
    )
    destination_type = forms.ChoiceField(
        required=False,
        choices=[("", "Invoca's default"), *DESTINATION_TYPES],
        initial="Advertiser",
        help_text="“Advertiser”: calls go to the advertiser's number. “API”: an API call "
        "decides where each call goes.",
    )
    destination_url = forms.URLField(
        required=False,
        max_length=STRING_MAX,
        assume_scheme="https",
        label="Destination URL",
        help_text="The landing page whose visitors see this pool's numbers.",
    )
    lifetime_seconds = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=INT_MAX,
        label="Lifetime (seconds)",
        help_text="How long a number stays with one visitor after their last activity. "
        "Leave blank for Invoca's default.",
    )
    max_pool_size = forms.IntegerField(
        min_value=1,
        max_value=INT_MAX,
        initial=2,
        label="Max pool size",
        help_text="The most tracking numbers this pool may hold (at least 1).",
    )
    preferred = forms.BooleanField(
        required=False, help_text="Use this pool before the campaign's other pools."
    )
    is_first_preference = forms.BooleanField(
        required=False,
        label="First preference",
        help_text="Try this pool first of all when a visit matches several pools.",
    )
    fill_immediately = forms.BooleanField(
        required=False,
        help_text="Fill the pool to its full size now. Unticked, Invoca starts with 10% "
        "and grows the pool as traffic needs.",
    )
    allow_overflow = forms.BooleanField(
        required=False,
        initial=True,
        help_text="When every number is in use, share numbers rather than send visitors "
        "none. This cannot be changed after the pool is created.",
    )
    destination_phone_number = forms.CharField(
        required=False,
        max_length=32,
        label="Destination phone number",
        help_text="The advertiser's number that calls are sent to. Invoca links it to this "
        "pool (it becomes a tracked destination). Any format, e.g. 805-555-0123.",
    )
    obfuscated_tag_id = forms.CharField(
        required=False,
        max_length=NAME_MAX,
        label="Tag id",
        help_text="The obfuscated tag id for that number; only needed when your network "
        "uses Tag Destinations.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for n in range(1, 11):
            self.fields[f"param{n}"] = forms.CharField(
                required=False, max_length=NAME_MAX, label=f"Param {n}"
            )
        for name, message in REQUIRED_MESSAGES.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message
        self.fields["destination_phone_number"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "off"}
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the ring pool a name.", code="required")
        return name

    def clean_destination_phone_number(self) -> str:
        value = self.cleaned_data.get("destination_phone_number", "").strip()
        return normalise_phone_number(value) if value else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("obfuscated_tag_id") and not cleaned.get("destination_phone_number"):
            self.add_error(
                "obfuscated_tag_id",
                "A tag id belongs to a destination phone number: give the number too, "
                "or clear the tag id.",
            )
        return cleaned

    # -- helpers for templates --

    @property
    def params_open(self) -> bool:
        """Show the params when one has a value or an error."""
        return any(self._has_value_or_error(name) for name in PARAM_FIELDS)

    def _has_value_or_error(self, name: str) -> bool:
        if name in self.errors:
            return True
        value = self[name].value()
        return value not in (None, "", False)

    def param_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PARAM_FIELDS]

    # -- Invoca's 403s --

    #: Invoca keys that are not form field names -> the field that shows them.
    INVOCA_FIELD_MAP: dict[str, str] = {}

    #: True once Invoca has refused what this form sent (the summary then says so).
    refused_by_invoca = False
    #: True when Invoca's single message is about the Local RingPool parts.
    local_refused = False

    def add_invoca_errors(self, error: InvocaValidationError) -> None:
        """Put each of Invoca's messages on the matching field, or at the top of the form."""
        self.refused_by_invoca = True
        for key, messages in error.field_errors.items():
            field = self.INVOCA_FIELD_MAP.get(key, key)
            if field not in self.fields:
                field = None
            for message in messages or ["is invalid"]:
                text = _sentence(message)
                if field is None:
                    text = f"{_label_for(key)}: {message}"
                self.add_error(field, f"Invoca says: {text}")
        if "local" in (error.non_field_message or "").lower():
            self.local_refused = True  # e.g. "Invalid Key in Local Center.": show that part
        if error.non_field_message or not error.field_errors:
            self.add_error(
                None, f"Invoca refused the ring pool: {error.non_field_message or error}"
            )


class RingPoolCreateForm(RingPoolForm):
    """A new ring pool: advertiser and campaign from the cache, and the Local RingPool parts."""

    advertiser = AdvertiserChoiceField(
        queryset=Advertiser.objects.all(),
        to_field_name="id_from_network",
        empty_label="Choose an advertiser…",
        help_text="From the cache; sync first if an advertiser is missing.",
    )
    campaign = CampaignChoiceField(
        queryset=Campaign.objects.none(),
        to_field_name="id_from_network",
        empty_label="Choose a campaign…",
        help_text="The advertiser's campaign the pool belongs to.",
    )
    id_from_network = forms.CharField(
        max_length=RingPool._meta.get_field("id_from_network").max_length,
        label="Id from network",
        help_text="Your own id for the pool, e.g. “gads-sb-01”; it cannot be changed later.",
    )
    # Local RingPool
    centre_by = forms.ChoiceField(
        required=False,
        label="Centre by",
        choices=[
            ("", "Not a Local RingPool"),
            ("npa", "NPA (area code)"),
            ("zip", "ZIP code"),
            ("coords", "Coordinates"),
        ],
        widget=forms.RadioSelect,
        help_text="A Local RingPool gets local numbers near a centre. Give the centre one way.",
    )
    tn_prefix = forms.CharField(
        required=False,
        max_length=3,
        label="NPA",
        help_text="The area code at the centre, e.g. 805.",
    )
    zipcode = forms.CharField(
        required=False,
        max_length=5,
        label="ZIP code",
        help_text="A 5-digit US ZIP code, e.g. 93101.",
    )
    latitude = forms.FloatField(
        required=False,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="Between -90 and 90, e.g. 34.4208.",
    )
    longitude = forms.FloatField(
        required=False,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="Between -180 and 180, e.g. -119.6982.",
    )
    search_radius_miles = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=INT_MAX,
        initial=DEFAULT_SEARCH_RADIUS,
        label="Search radius (miles)",
        help_text="How far from the centre local numbers may come from (240 if blank).",
    )
    restrict_search_to_state = forms.BooleanField(
        required=False,
        initial=True,
        label="Only numbers in the centre's state",
        help_text="Never pick numbers from a neighbouring state.",
    )
    allocation_fallback_strategy = forms.ChoiceField(
        required=False,
        choices=FALLBACK_STRATEGIES,
        initial="UseTollFree",
        label="If no local number is found",
        help_text="Toll-free numbers fill the pool at once; “Wait” leaves it short until "
        "local numbers become available.",
    )
    tn_prefix_whitelist = forms.CharField(
        required=False,
        max_length=2000,
        label="Allowed area codes (NPA whitelist)",
        help_text="Only take numbers with these area codes; separate them with commas or "
        "spaces, e.g. “805, 213”. Leave blank to allow any nearby area code.",
    )

    INVOCA_FIELD_MAP = {
        "local_center": "centre_by",
        "local_number_preferences": "search_radius_miles",
        "advertiser_campaign": "campaign",
    }

    field_order = [
        "advertiser",
        "campaign",
        "id_from_network",
        "name",
    ]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["latitude"].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        self.fields["longitude"].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        self.fields["tn_prefix"].widget.attrs.update({"inputmode": "numeric", "size": 4})
        self.fields["zipcode"].widget.attrs.update({"inputmode": "numeric", "size": 6})
        self.fields["id_from_network"].widget.attrs.update({"autocomplete": "off"})
        if settings.INVOCA_GENERATES_RING_POOL_IDS:
            ids = self.fields["id_from_network"]
            ids.required = False
            ids.help_text = (
                "Optional: this network generates an id when you leave it blank. Your own id "
                "for the pool, e.g. “gads-sb-01”; it cannot be changed later."
            )
        self.fields["campaign"].queryset = self.campaign_queryset()

    def selected_advertiser_id(self) -> str:
        key = self.add_prefix("advertiser")
        if self.is_bound:
            return str(self.data.get(key) or "")
        initial = self.initial.get("advertiser")
        if isinstance(initial, Advertiser):
            return initial.id_from_network
        return str(initial or "")

    def campaign_queryset(self):
        advertiser_id = self.selected_advertiser_id()
        if not advertiser_id:
            return Campaign.objects.none()
        return Campaign.objects.filter(advertiser__id_from_network=advertiser_id).order_by(
            "name", "pk"
        )

    def clean_id_from_network(self) -> str:
        value = self.cleaned_data["id_from_network"].strip()
        if not value and self.fields["id_from_network"].required:
            raise forms.ValidationError("Give the pool an id.", code="required")
        if _ID_FORBIDDEN & set(value):
            raise forms.ValidationError(
                "An id may not contain “/”, “?” or “#” (it becomes part of Invoca's URLs).",
                code="invalid",
            )
        return value

    def clean_tn_prefix(self) -> str:
        value = self.cleaned_data.get("tn_prefix", "").strip()
        return parse_npa(value) if value else ""

    def clean_zipcode(self) -> str:
        value = self.cleaned_data.get("zipcode", "").strip()
        if value and (not _ZIP_RE.fullmatch(value) or value == "00000"):
            raise forms.ValidationError("A ZIP code is 5 digits, e.g. 93101.", code="zipcode")
        return value

    def clean_tn_prefix_whitelist(self) -> list[str]:
        return parse_npa_list(self.cleaned_data.get("tn_prefix_whitelist", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        advertiser = cleaned.get("advertiser")
        campaign = cleaned.get("campaign")
        if advertiser and campaign and campaign.advertiser_id != advertiser.pk:
            self.add_error("campaign", "This campaign belongs to another advertiser.")
            campaign = None
        id_from_network = cleaned.get("id_from_network")
        if campaign and id_from_network:
            existing = RingPool.objects.filter(
                campaign=campaign, id_from_network=id_from_network
            ).first()
            if existing is not None:
                self.add_error(
                    "id_from_network",
                    f"This campaign already has a ring pool with this id "
                    f"(“{existing.name or existing.id_from_network}”). Choose another id, "
                    "or edit that pool instead.",
                )
        self._clean_local(cleaned)
        return cleaned

    def _clean_local(self, cleaned: dict[str, Any]) -> None:
        """The Local RingPool rules: exactly one way of giving the centre."""

        def given(name: str) -> bool:
            if name in self.errors:  # typed, but not valid: still "given"
                return True
            return cleaned.get(name) not in (None, "")

        ways = [way for way, names in CENTRE_FIELDS.items() if any(map(given, names))]
        way = cleaned.get("centre_by") or ""
        if not way:
            if len(ways) == 1:
                way = ways[0]  # what was typed says which way
            elif len(ways) > 1:
                self.add_error(
                    "centre_by",
                    "Give the centre one way only: an NPA, a ZIP code, or coordinates.",
                )
                return
        cleaned["centre_by"] = way
        if not way:
            if cleaned.get("tn_prefix_whitelist"):
                self.add_error(
                    "tn_prefix_whitelist",
                    "An area-code whitelist is only for Local RingPools: give a centre "
                    "below, or clear the whitelist.",
                )
            return
        for other, names in CENTRE_FIELDS.items():
            if other == way:
                continue
            for name in names:
                if given(name) and name not in self.errors:
                    self.add_error(
                        name,
                        f"The centre is given by {dict(self.fields['centre_by'].choices)[way]}"
                        ": clear this field, or choose it under “Centre by”.",
                    )
        if way == "npa" and not given("tn_prefix"):
            self.add_error("tn_prefix", "Give the NPA (area code) at the centre, e.g. 805.")
        elif way == "zip" and not given("zipcode"):
            self.add_error("zipcode", "Give the ZIP code at the centre, e.g. 93101.")
        elif way == "coords":
            for name in ("latitude", "longitude"):
                if not given(name):
                    self.add_error(name, "Latitude and longitude go together: give both.")

    @property
    def is_local(self) -> bool:
        return bool(self.cleaned_data.get("centre_by")) if hasattr(self, "cleaned_data") else False

    @property
    def local_open(self) -> bool:
        """Open the Local RingPool fieldset when it is used or has an error."""
        if self.local_refused or any(name in self.errors for name in LOCAL_FIELDS):
            return True
        for name in ("centre_by", "tn_prefix", "zipcode", "latitude", "longitude"):
            if self[name].value() not in (None, ""):
                return True
        return bool(self["tn_prefix_whitelist"].value())

    def local_data(self) -> dict[str, Any] | None:
        """The Local RingPool parts of the cleaned data, or None for an ordinary pool."""
        way = self.cleaned_data.get("centre_by")
        if not way:
            return None
        center = {name: self.cleaned_data[name] for name in CENTRE_FIELDS[way]}
        radius = self.cleaned_data.get("search_radius_miles")
        return {
            "local_center": center,
            "local_number_preferences": {
                "search_radius_miles": DEFAULT_SEARCH_RADIUS if radius is None else radius,
                "restrict_search_to_state": bool(self.cleaned_data.get("restrict_search_to_state")),
                "allocation_fallback_strategy": self.cleaned_data.get(
                    "allocation_fallback_strategy"
                )
                or "UseTollFree",
            },
            "tn_prefix_whitelist": list(self.cleaned_data.get("tn_prefix_whitelist") or []),
        }


class RingPoolEditForm(RingPoolForm):
    """An existing pool: no advertiser/campaign/id choice; allow_overflow is fixed."""

    INVOCA_FIELD_MAP = {}

    def __init__(self, *args: Any, ring_pool: RingPool, **kwargs: Any):
        self.ring_pool = ring_pool
        kwargs.setdefault("initial", ring_pool_initial(ring_pool))
        super().__init__(*args, **kwargs)
        overflow = self.fields["allow_overflow"]
        overflow.disabled = True
        overflow.help_text = "Set when the pool was created; Invoca does not allow changing it."
        self.fields["destination_phone_number"].help_text = (
            "Optional: a number to link to this pool as well (it becomes a tracked "
            "destination). Any format, e.g. 805-555-0123."
        )


def ring_pool_initial(ring_pool: RingPool) -> dict[str, Any]:
    """The edit form's initial values from the cached pool."""
    payload = ring_pool.payload or {}
    initial: dict[str, Any] = {
        "name": ring_pool.name,
        "pool_type": ring_pool.pool_type,
        "destination_type": ring_pool.destination_type,
        "destination_url": ring_pool.destination_url,
        "lifetime_seconds": ring_pool.lifetime_seconds,
        "max_pool_size": ring_pool.max_pool_size,
        "preferred": bool(ring_pool.preferred),
        "is_first_preference": bool(ring_pool.is_first_preference),
        "fill_immediately": bool(ring_pool.fill_immediately),
        "allow_overflow": ring_pool.allow_overflow is not False,
    }
    for name in PARAM_FIELDS:
        value = payload.get(name)
        initial[name] = "" if value is None else str(value)
    return initial


def _sentence(message: str) -> str:
    message = str(message).strip()
    return message[:1].upper() + message[1:] if message else message


def _label_for(key: str) -> str:
    return str(key).replace("_", " ").capitalize()
