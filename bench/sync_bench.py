"""Benchmark: a full destinations sync, ours against a naive baseline, in the same run.

    .venv/bin/python bench/sync_bench.py [--sizes 10000,100000] [--latency-ms 20]

Ours: the first page gives recordsTotal, the other pages are fetched concurrently
(INVOCA_SYNC_CONCURRENCY, page size INVOCA_SYNC_PAGE_SIZE), then one transaction of
batched upserts that writes only new or changed rows.
Baseline: what a straightforward implementation does — pages of the API's default
size (100) one after another, and `update_or_create` per row.
Both run against the same sandbox process over HTTP (with added latency per
request, to stand in for a real network), into the same fresh SQLite database.
"""

import argparse
import time

from common import configure_client, sandbox_process, setup_django, temp_db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=10000,
        help="skip the baseline above this size (it is slow)",
    )
    args = parser.parse_args()
    setup_django(temp_db())

    from django.conf import settings
    from django.db import transaction

    from destinations.models import Destination
    from destinations.sync import destination_fields, destinations_sync
    from invoca_admin.invoca import get_client

    def baseline(client) -> None:
        with transaction.atomic():
            for remote in client.iter_destinations(page_size=100):
                fields = destination_fields(remote, locally_ignored=False)
                Destination.objects.update_or_create(
                    remote_id=remote.id, defaults={**fields, "synced_at": _now()}
                )

    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        with sandbox_process(destinations=size, latency_ms=args.latency_ms) as url:
            configure_client(url)
            result = {"size": size}
            with get_client() as client:
                Destination.objects.all().delete()
                start = time.perf_counter()
                counts = destinations_sync(client=client)
                result["ours"] = time.perf_counter() - start
                assert counts.total == size == Destination.objects.count(), counts
                start = time.perf_counter()
                destinations_sync(client=client)
                result["ours_resync"] = time.perf_counter() - start
                if size <= args.baseline_max:
                    Destination.objects.all().delete()
                    start = time.perf_counter()
                    baseline(client)
                    result["baseline"] = time.perf_counter() - start
                    assert Destination.objects.count() == size
            rows.append(result)
            print(f"size {size}: {result}", flush=True)

    print()
    print(
        f"Sync of all destinations; sandbox latency {args.latency_ms} ms per request; "
        f"ours: concurrency {settings.INVOCA_SYNC_CONCURRENCY}, page size "
        f"{settings.INVOCA_SYNC_PAGE_SIZE}; database {settings.DATABASES['default']['ENGINE']}."
    )
    print()
    print(
        "| destinations | baseline (sequential, 100/page, row by row) | ours (first sync) | speed-up | ours (re-sync, no changes) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        base = r.get("baseline")
        print(
            f"| {r['size']:,} | {f'{base:.1f} s' if base else 'not run'} | {r['ours']:.1f} s | "
            f"{f'{base / r["ours"]:.1f}×' if base else '—'} | {r['ours_resync']:.1f} s |"
        )


def _now():
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    main()
