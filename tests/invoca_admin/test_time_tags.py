"""`day_stamp` renders exactly what the three `date` filters it replaces rendered."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

BY_DATE_FILTERS = Template(
    "{% if v %}<time datetime=\"{{ v|date:'c' }}\" title=\"{{ v|date:'Y-m-d H:i:s T' }}\">"
    '{{ v|date:"Y-m-d" }}</time>{% else %}—{% endif %}'
)
BY_DAY_STAMP = Template("{% load time_tags %}{{ v|day_stamp }}")


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        datetime(2026, 7, 1, 23, 59, 1, 5, tzinfo=UTC),
        None,
    ],
)
def test_the_same_markup_as_the_date_filters(zone, value):
    with timezone.override(zone):
        expected = BY_DATE_FILTERS.render(Context({"v": value}))
        assert BY_DAY_STAMP.render(Context({"v": value})) == expected
