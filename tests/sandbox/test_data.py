"""Seeded data: determinism, size, realism and hostile values; state helpers."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from sandbox.data import SandboxState


def snapshot(state: SandboxState) -> list:
    return (
        [
            state.list_destinations(limit=500, start=start)["data"]
            for start in range(0, state.destination_count(), 500)
        ]
        + [state.list_advertisers()]
        + [
            state.list_ring_pools(camp.advertiser.id_from_network, camp.id_from_network)
            for camp in state.campaigns.values()
        ]
    )


def test_same_seed_same_data_and_other_seed_other_data():
    assert snapshot(SandboxState(destinations=700, seed=5)) == snapshot(
        SandboxState(destinations=700, seed=5)
    )
    assert snapshot(SandboxState(destinations=700, seed=5)) != snapshot(
        SandboxState(destinations=700, seed=6)
    )


def test_a_smaller_network_is_a_prefix_of_nothing_but_still_valid():
    state = SandboxState(destinations=0)
    assert state.list_destinations()["recordsTotal"] == 0
    assert len(state.advertisers) == 8


def test_hundred_thousand_rows_generate_with_unique_realistic_numbers():
    state = SandboxState(destinations=100_000, seed=2)
    assert state.destination_count() == 100_000
    phones = [dest.phone_number for dest in state.destinations.values()]
    assert len(set(phones)) == 100_000
    assert all(re.fullmatch(r"[2-9]\d\d-[2-9]\d\d-\d{4}", phone) for phone in phones[:1000])
    assert len({phone[:3] for phone in phones}) > 100  # many area codes
    statuses = Counter(dest.status for dest in state.destinations.values())
    assert 0.42 < statuses["tracked"] / 100_000 < 0.48
    assert 0.37 < statuses["discovered"] / 100_000 < 0.43
    assert 0.12 < statuses["ignored"] / 100_000 < 0.18
    page = state.list_destinations(status="tracked", sort_by="updated_at", sort_dir="desc")
    assert page["recordsTotal"] == statuses["tracked"] and len(page["data"]) == 100
    stamps = [row["updated_at"] for row in page["data"]]
    assert stamps == sorted(stamps, reverse=True)


def test_timestamps_span_about_two_years():
    state = SandboxState(destinations=2000)
    created = sorted(dest.created_at for dest in state.destinations.values())
    assert 600 * 86400 < created[-1] - created[0] <= 2 * 366 * 86400
    for dest in state.destinations.values():
        assert dest.created_at <= dest.updated_at
        if dest.ignored_at is not None:
            assert dest.created_at <= dest.ignored_at <= dest.updated_at


def test_list_cache_is_dropped_by_mutations():
    state = SandboxState(destinations=50)
    before = state.list_destinations(status="ignored")["recordsTotal"]
    target = state.list_destinations(status="discovered", limit=1)["data"][0]["id"]
    state.set_ignored(target)
    assert state.list_destinations(status="ignored")["recordsTotal"] == before + 1
    with state.mutate():
        state.destinations[target].ignored_at = None
    assert state.list_destinations(status="ignored")["recordsTotal"] == before
    assert state.find_destination(state.destinations[target].phone_number).id == target


def test_fault_settings_are_validated():
    state = SandboxState(destinations=1)
    with pytest.raises(ValueError, match="fail_rate"):
        state.set_faults(fail_rate=1.5)
    with pytest.raises(ValueError, match="unknown"):
        state.set_faults(nonsense=True)
    state.set_faults(fail_after=1, outage=True, timeout_paths=["a", "b"])
    assert state.faults()["fail_after"] == 1
    state.reset_faults()
    assert state.faults() == {
        "fail_rate": 0.0,
        "latency_ms": 0,
        "outage": False,
        "fail_after": None,
        "timeout_paths": None,
        "hang_seconds": 30.0,
    }


def test_fail_after_counts_down():
    state = SandboxState(destinations=1, fail_after=2)
    assert [state.take_failure() is None for _ in range(4)] == [True, True, False, False]
    assert state.fail_after == 0


def test_rows_added_mid_listing_sort_last_and_the_page_hook_sees_every_page():
    state = SandboxState(destinations=30, seed=2)
    calls = []
    state.list_pages_answered = 0
    state.after_list_page = lambda st, n: calls.append((n, st.destination_count()))
    state.list_destinations(limit=10)
    added = state.add_destination()
    page = state.list_destinations(start=30, limit=10)
    assert [row["id"] for row in page["data"]] == [added]
    assert page["recordsTotal"] == 31
    assert page["data"][0]["phone_number"] == state.destinations[added].phone_number
    assert calls == [(1, 30), (2, 31)]
