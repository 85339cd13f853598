"""`day_stamp_html` renders exactly what the three `date` filters it replaces rendered."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from invoca_admin.core.timestamps import day_stamp_html

BY_DATE_FILTERS = Template(
    "{% if v %}<time datetime=\"{{ v|date:'c' }}\" title=\"{{ v|date:'Y-m-d H:i:s T' }}\">"
    '{{ v|date:"Y-m-d" }}</time>{% else %}—{% endif %}'
)


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
        assert day_stamp_html(value) == BY_DATE_FILTERS.render(Context({"v": value}))
