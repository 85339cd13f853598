"""Forms of the ring pools app, by field group:

* ``values``: what a value must look like (Invoca's choices, the cache's limits,
  area codes, ZIP codes, phone numbers);
* ``filters``: the list's query string;
* ``local``: the Local RingPool group (centre, number preferences, whitelist);
* ``pool``: the create and edit forms built from those groups.
"""

from .filters import LIST_DEFAULTS, SORT_FIELDS, RingPoolFilterForm
from .local import LocalRingPoolFields
from .pool import RingPoolCreateForm, RingPoolEditForm, RingPoolForm, ring_pool_initial
from .values import (
    DESTINATION_TYPES,
    FALLBACK_STRATEGIES,
    INT_MAX,
    PARAM_FIELDS,
    POOL_TYPES,
    normalise_phone_number,
    parse_npa,
    parse_npa_list,
)

__all__ = [
    "DESTINATION_TYPES",
    "FALLBACK_STRATEGIES",
    "INT_MAX",
    "LIST_DEFAULTS",
    "PARAM_FIELDS",
    "POOL_TYPES",
    "SORT_FIELDS",
    "LocalRingPoolFields",
    "RingPoolCreateForm",
    "RingPoolEditForm",
    "RingPoolFilterForm",
    "RingPoolForm",
    "normalise_phone_number",
    "parse_npa",
    "parse_npa_list",
    "ring_pool_initial",
]
