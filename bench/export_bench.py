"""CSV export of the destinations list: row counts against the list's own count, and memory.

    .venv/bin/python bench/export_bench.py --destinations 100000

Rows are generated in SQL as for `list_bench.py` (SQLite, or $DATABASE_URL). For each
list state, the full list page is fetched through Django's test client and the count of
its current tab read from the page (what the user sees), then
`/destinations/export.csv?<the same query>` is streamed and its rows counted: the two
must be equal. Python's allocations are traced while the file streams (tracemalloc,
peak above the start), so flat memory shows as the same small figure whatever the rows.
"""

import argparse
import csv
import io
import re
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, temp_db  # noqa: E402
from bench.list_bench import generate  # noqa: E402

STATES = [
    ("every destination", {}),
    ("tab: discovered", {"status": "discovered"}),
    ("tab: tracked", {"status": "tracked"}),
    ("number fragment 5501", {"query": "5501"}),
    ("campaign name miami", {"query": "miami"}),
    ("campaign filter", {"campaign": "1007"}),
    ("advertiser filter, ignored", {"advertiser": "A3", "status": "ignored"}),
]
CURRENT_TAB = re.compile(rb'aria-current="page">[^<]*<span class="count">([\d,]+)</span>')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--destinations", type=int, default=100_000)
    args = parser.parse_args()
    setup_django(temp_db())
    from django.contrib.auth.models import User
    from django.test import Client

    generate(args.destinations)
    user = User.objects.create_superuser("bench", password="unused-bench-password")
    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(user)

    print(f"\n{args.destinations:,} destinations\n")
    print("| list state | count the list shows | CSV rows | equal | seconds | peak MiB |")
    print("| --- | ---: | ---: | :---: | ---: | ---: |")
    for label, params in STATES:
        page = web.get("/destinations/", params)
        shown = int(CURRENT_TAB.search(page.content).group(1).replace(b",", b""))
        tracemalloc.start()
        start = time.perf_counter()
        response = web.get("/destinations/export.csv", params)
        rows = -1  # the header row
        pending = ""
        for chunk in response.streaming_content:
            pending += chunk.decode()
            lines = pending.split("\r\n")
            pending = lines.pop()
            rows += sum(1 for _ in csv.reader(io.StringIO("\r\n".join(lines)))) if lines else 0
        rows += bool(pending)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        same = "yes" if shown == rows else "NO"
        print(f"| {label} | {shown:,} | {rows:,} | {same} | {seconds:.1f} | {peak:.1f} |")
        assert shown == rows, (label, shown, rows)


if __name__ == "__main__":
    main()
