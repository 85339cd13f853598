"""Benchmark: a full destinations sync against downloading the same pages, in one run.

    .venv/bin/python bench/sync_bench.py [--sizes 100000,1000000] [--latency-ms 40]
        [--max-page-size 100] [--timeout 1800]

For each size, one sandbox process (on loopback, with added latency per request and
its page cap), and three measurements, each in a fresh child process so that its peak
RSS (`ru_maxrss`) is its own:

* download: every page fetched and parsed (`RemoteDestination` objects) with the
  sync's concurrency and the server's page size, writing nothing;
* first sync: what `destinations_sync` does, into an empty cache (its publishing
  transaction timed apart);
* re-sync: the same again, nothing changed at Invoca.

The database is a fresh SQLite file per size, or $DATABASE_URL (e.g. under
`bin/with-postgres`), emptied first. Each child is killed after --timeout seconds.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import configure_client, sandbox_process, setup_django

HERE = Path(__file__).resolve().parent


def child(mode: str, url: str) -> dict:
    """Run one measurement in this process; the result as a dict."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from django.conf import settings
    from django.db import connection, transaction

    from destinations.models import Destination
    from destinations.sync import DestinationStage, destinations_read
    from invoca_admin.invoca import get_client

    configure_client(url)
    concurrency = settings.INVOCA_SYNC_CONCURRENCY
    result: dict = {"mode": mode, "concurrency": concurrency}
    with get_client() as client:
        if mode == "download":
            start = time.perf_counter()
            first = client.list_destinations(
                start=0, limit=settings.INVOCA_SYNC_PAGE_SIZE, sort_by="id", sort_dir="asc"
            )
            granted, rows = len(first.rows), len(first.rows)
            starts = iter(range(granted, first.total, granted))
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                pending: set = set()
                while True:  # the same bounded window ahead as the sync
                    for offset in starts:
                        pending.add(
                            pool.submit(
                                client.list_destinations,
                                start=offset,
                                limit=granted,
                                sort_by="id",
                                sort_dir="asc",
                            )
                        )
                        if len(pending) >= 2 * concurrency:
                            break
                    if not pending:
                        break
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    rows += sum(len(f.result().rows) for f in done)
            result["seconds"] = time.perf_counter() - start
            result["rows"] = rows
        else:
            if mode == "first":
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {Destination._meta.db_table}")  # noqa: S608
            start = time.perf_counter()
            # What destinations_sync does, timed in its two phases.
            with DestinationStage() as stage:
                destinations_read(stage, client=client)
                streamed = time.perf_counter()
                with transaction.atomic():
                    counts = stage.merge()
            result["seconds"] = time.perf_counter() - start
            result["publish_seconds"] = time.perf_counter() - streamed
            result["rows"] = Destination.objects.count()
            result["new"], result["changed"] = counts.new, counts.changed
            result["warnings"] = counts.warnings
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_child(mode: str, url: str, db: Path, timeout: float) -> dict:
    env = {**os.environ, "BENCH_DB": str(db)}
    out = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child", mode, "--url", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"{mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--latency-ms", type=int, default=40)
    parser.add_argument("--max-page-size", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--modes", default="download,first,resync", help="a subset, to bound a long run"
    )
    parser.add_argument("--child")
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        setup_django(Path(os.environ["BENCH_DB"]))
        print(json.dumps(child(args.child, args.url)), flush=True)
        return

    database = os.environ.get("DATABASE_URL", "SQLite (a fresh file per size)")
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        db = Path(tempfile.mkdtemp(prefix="sync-bench-")) / "bench.sqlite3"
        setup = time.perf_counter()
        with sandbox_process(
            destinations=size, latency_ms=args.latency_ms, max_page_size=args.max_page_size
        ) as url:
            print(f"size {size:,}: sandbox up in {time.perf_counter() - setup:.0f} s", flush=True)
            result = {"size": size}
            for mode in args.modes.split(","):
                result[mode] = run_child(mode, url, db, args.timeout)
                assert result[mode]["rows"] == size, result[mode]
                print(f"  {mode}: {result[mode]}", flush=True)
            if "resync" in result:
                assert result["resync"]["new"] == result["resync"]["changed"] == 0
        rows.append(result)

    print()
    print(
        f"Sync of all destinations; sandbox page cap {args.max_page_size}, latency "
        f"{args.latency_ms} ms per request; concurrency {rows[0]['download']['concurrency']}; "
        f"database {'PostgreSQL' if database.startswith('postgres') else database}."
    )
    print()
    print(
        "| destinations | download + parse only | first sync | ratio | re-sync (no changes) "
        "| ratio | peak RSS: download / first / re-sync |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        d, f, s = (r.get(mode, {}) for mode in ("download", "first", "resync"))
        cells = [f"{r['size']:,}"]
        for m in (d, f, s):
            cells.append(f"{m['seconds']:.1f} s" if m else "not run")
            if m is not d:
                cells.append(f"{m['seconds'] / d['seconds']:.2f}×" if m and d else "—")
        cells.append(" / ".join(f"{m['peak_rss_mb']:.0f}" if m else "—" for m in (d, f, s)) + " MB")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
