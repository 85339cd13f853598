from django import template

from ringpools.forms import POOL_TYPES

register = template.Library()

_POOL_TYPE_LABELS = dict(POOL_TYPES)


@register.filter
def pool_type_label(value: str) -> str:
    """'ReferralDomainWithSearchTracking' -> 'Referral domain with search tracking'."""
    return _POOL_TYPE_LABELS.get(value, value)
