"""What a cache column can hold, checked before a row from Invoca is written.

Invoca's values are free: an id of 300 characters or a ``max_pool_size`` of
2**40 would make PostgreSQL refuse the whole batch (SQLite stores anything). A
sync therefore checks each row against the model's own column limits, skips a
row that does not fit and reports it, so one bad row never stops a sync.
"""

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations


@cache
def _limits(model: type[models.Model]) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """(text column -> max length, integer column -> (lowest, highest)) of ``model``."""
    lengths: dict[str, int] = {}
    ranges: dict[str, tuple[int, int]] = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.CharField) and field.max_length:
            lengths[field.name] = field.max_length
        elif isinstance(field, models.IntegerField) and not field.primary_key:
            # The portable range (PostgreSQL's), whatever the database in use.
            low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
            ranges[field.name] = (low, high)
    return lengths, ranges


def column_problems(model: type[models.Model], values: Mapping[str, Any]) -> list[str]:
    """Plain sentences for each value in ``values`` that ``model``'s columns cannot hold."""
    lengths, ranges = _limits(model)
    problems = []
    for name, value in values.items():
        if isinstance(value, str) and name in lengths and len(value) > lengths[name]:
            problems.append(f"{name} is {len(value)} characters long (at most {lengths[name]})")
        elif isinstance(value, int) and not isinstance(value, bool) and name in ranges:
            low, high = ranges[name]
            if not low <= value <= high:
                problems.append(f"{name} {value} is out of range ({low} to {high})")
    return problems
