"""Benchmark: the destinations table on a large network, against a no-cache baseline.

    .venv/bin/python bench/list_bench.py [--destinations 100000] [--latency-ms 20]

Syncs a sandbox network of N destinations into a fresh SQLite database (timing
that sync too), then times each table view as a logged-in user would get it
(the HTMX partial: what search-as-you-type, tabs, sorting and paging request),
best of 5, through Django's full request stack.
Baseline, in the same run: what a dashboard without the cache must do for the
same view — ask Invoca (the sandbox, with the given latency per request) for
that page, and nothing else (no rendering, so the baseline is flattered).
"""

import argparse
import time

from common import best_of, configure_client, sandbox_process, setup_django, temp_db

VIEWS = [
    ("first page", {}, {}),
    ("status tab: discovered", {"status": "discovered"}, {"status": "discovered"}),
    ("search 4 digits", {"query": "5501"}, {"query": "5501"}),
    ("search full number, punctuated", {"query": "(202) 555-01"}, {"query": "20255501"}),
    (
        "sort by updated, desc",
        {"sort_by": "updated", "sort_dir": "desc"},
        {"sort_by": "updated_at", "sort_dir": "desc"},
    ),
    ("page 1,000 of 2,000", {"page": "1000"}, {"start": 49950}),
    (
        "tracked, sorted by phone, page 100",
        {"status": "tracked", "sort_by": "phone_number", "page": "100"},
        {"status": "tracked", "sort_by": "phone_number", "start": 4950},
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--destinations", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()
    setup_django(temp_db())

    from django.contrib.auth.models import User
    from django.test import Client

    from destinations.models import Destination
    from destinations.sync import destinations_sync
    from invoca_admin.invoca import get_client

    with sandbox_process(destinations=args.destinations, latency_ms=args.latency_ms) as url:
        configure_client(url)
        with get_client() as client:
            start = time.perf_counter()
            counts = destinations_sync(client=client)
            sync_seconds = time.perf_counter() - start
            assert counts.total == Destination.objects.count() == args.destinations

            user = User.objects.create_superuser("bench", password="x")
            web = Client()
            web.force_login(user)

            rows = []
            for label, params, api_params in VIEWS:

                def ours(params=params):
                    response = web.get(
                        "/destinations/", {"per_page": 50, **params}, HTTP_HX_REQUEST="true"
                    )
                    assert response.status_code == 200, response.status_code

                def baseline(api_params=api_params):
                    client.list_destinations(limit=50, **api_params)

                ours(), baseline()  # warm up both
                rows.append((label, best_of(5, baseline), best_of(5, ours)))
                print(rows[-1], flush=True)

    print()
    print(
        f"Network of {args.destinations:,} destinations; sync took {sync_seconds:.1f} s "
        f"(sandbox latency {args.latency_ms} ms per request)."
    )
    print()
    print(
        "| view (50 rows) | baseline: ask Invoca per view | ours: from the cache, rendered | speed-up |"
    )
    print("| --- | ---: | ---: | ---: |")
    for label, base, ours_t in rows:
        print(f"| {label} | {base * 1000:.0f} ms | {ours_t * 1000:.0f} ms | {base / ours_t:.1f}× |")


if __name__ == "__main__":
    main()
