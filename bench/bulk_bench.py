"""Bulk ignore of "all N matching" as a background job, and its Undo: time and peak memory.

    .venv/bin/python bench/bulk_bench.py --destinations 10000 100000

Each size runs in a process of its own on a fresh SQLite file (or $DATABASE_URL): it
fills the cache, then times what the web request does (record the job) and what the
worker does (resolve the filter to rows in batches, ignore them batch by batch with one
audit entry each), then the Undo job. Peak RSS is the process's high-water mark, so
flat memory shows as the same figure at every size.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def one_size(n: int) -> dict:
    from bench.common import setup_django

    setup_django(Path(tempfile.mkdtemp()) / "bulk.sqlite3")
    from django.http import QueryDict
    from django.utils import timezone

    from destinations import bulk
    from destinations.models import Destination

    now = timezone.now()
    for start in range(0, n, 5000):
        Destination.objects.bulk_create(
            Destination(
                remote_id=i + 1,
                phone_number=f"{200 + i % 700:03d}-555-{i % 10000:04d}",
                phone_digits=f"{200 + i % 700:03d}555{i % 10000:04d}",
                campaign_id_from_network=str(i % 40),
                campaign_name=f"Campaign {i % 40}",
                synced_at=now,
            )
            for i in range(start, min(n, start + 5000))
        )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    job = bulk.bulk_job_create(action="ignore", user=None, filter_query=QueryDict(""))
    request_s = time.perf_counter() - began
    began = time.perf_counter()
    job = bulk.bulk_job_execute(job=bulk.bulk_job_claim(job_id=job.pk))
    ignore_s = time.perf_counter() - began
    assert job.done == n, (job.done, n)
    began = time.perf_counter()
    undo = bulk.bulk_job_undo(job=job, user=None)
    undo = bulk.bulk_job_execute(job=bulk.bulk_job_claim(job_id=undo.pk))
    undo_s = time.perf_counter() - began
    assert undo.done == n
    return {
        "rows": n,
        "request_ms": round(request_s * 1000, 1),
        "ignore_s": round(ignore_s, 2),
        "undo_s": round(undo_s, 2),
        "rows_per_s": round(n / ignore_s),
        "rss_after_fill_mb": round(rss_before / 1024),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--destinations", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    print("| rows | record the job (request) | ignore job | undo job | rows/s | peak RSS |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in args.destinations:
        out = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--one", str(n)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"| {r['rows']:,} | {r['request_ms']} ms | {r['ignore_s']} s | {r['undo_s']} s "
            f"| {r['rows_per_s']:,} | {r['peak_rss_mb']} MB |"
        )


if __name__ == "__main__":
    main()
