"""The Local RingPool field group of the create form: the centre (one way of giving it),
the number preferences and the area-code whitelist, and their rules."""

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from .values import (
    _ZIP_RE,
    CENTRE_FIELDS,
    DEFAULT_SEARCH_RADIUS,
    FALLBACK_STRATEGIES,
    INT_MAX,
    LOCAL_FIELDS,
    parse_npa,
    parse_npa_list,
)


class LocalRingPoolFields(forms.Form):
    """Mixed into the create form; ``clean_local()`` runs from the form's ``clean()``."""

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

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["latitude"].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        self.fields["longitude"].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        self.fields["tn_prefix"].widget.attrs.update({"inputmode": "numeric", "size": 4})
        self.fields["zipcode"].widget.attrs.update({"inputmode": "numeric", "size": 6})

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

    def clean_local(self, cleaned: dict[str, Any]) -> None:
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
