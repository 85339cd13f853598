"""The one rule for a destination's status."""

from datetime import UTC, datetime

import pytest

from destinations.models import Status, destination_status

WHEN = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("has_pool", "ignored_at", "ignored_here", "expected"),
    [
        (True, WHEN, True, Status.TRACKED),  # a ring pool is the strongest fact
        (True, None, False, Status.TRACKED),
        (False, WHEN, False, Status.IGNORED),  # ignored in Invoca
        (False, None, True, Status.IGNORED),  # ignored in the dashboard
        (False, None, False, Status.DISCOVERED),
    ],
)
def test_destination_status(has_pool, ignored_at, ignored_here, expected):
    assert (
        destination_status(has_pool=has_pool, ignored_at=ignored_at, ignored_here=ignored_here)
        == expected
    )
