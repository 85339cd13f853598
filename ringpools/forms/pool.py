"""The ring pool forms: create (with the Local RingPool group) and edit.

They check everything Invoca would reject before anything is sent (see
INVOCA_API.md); what Invoca still rejects is put on the matching field by
``add_invoca_errors``.
"""

from typing import Any

from django import forms
from django.conf import settings

from invoca_admin.invoca import InvocaValidationError
from ringpools.models import Advertiser, Campaign, RingPool

from .local import LocalRingPoolFields
from .values import (
    _ID_FORBIDDEN,
    DESTINATION_TYPES,
    INT_MAX,
    NAME_MAX,
    PARAM_FIELDS,
    POOL_TYPES,
    REQUIRED_MESSAGES,
    STRING_MAX,
    normalise_phone_number,
)


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


class RingPoolCreateForm(RingPoolForm, LocalRingPoolFields):
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
        self.clean_local(cleaned)
        return cleaned


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
