"""Benchmark: the destinations list against Django admin's changelist of the same model.

    .venv/bin/python bench/list_bench.py [--destinations 100000] [--rounds 30]
    bin/with-postgres .venv/bin/python bench/list_bench.py --destinations 1000000

Rows are generated in SQL (a recursive CTE on SQLite, generate_series on PostgreSQL)
into a fresh database ($DATABASE_URL, else a throw-away SQLite file): 200 campaigns of
20 advertisers, 600 ring pools, 30 % tracked, 10 % ignored. The database triggers keep
the counts as for any write.

The baseline is Django's own admin changelist of `Destination`, registered here for the
benchmark only (the product's admin registers no destination), with the list's columns
(`list_display`), its filters (`list_filter`: status, campaign), its search fields and
its ordering, 50 rows a page. Each representative request is sent to both, checked to
return the same rows in the same order, then timed: interleaved in one run (a shuffled
order each round, ours and the admin's alternating first), `--rounds` timed requests
each after a warm-up. Reported: p95 ours, p95 admin, their ratio (target <= 0.5).
"""

import argparse
import random
import re
import statistics
import time

from common import setup_django, temp_db

CAMPAIGNS = 200
ADVERTISERS = 20
POOLS_PER_CAMPAIGN = 3
CITIES = (
    "Miami Austin Boston Denver Dallas Fresno Omaha Tulsa Tampa Reno Akron Boise Salem "
    "Provo Macon Waco Ogden Flint Erie Joliet Orem Yuma Pueblo Lowell Utica"
).split()
TRADES = "Plumbing Roofing Dental Legal Auto Solar HVAC Pest".split()

# label, our query string, the admin's query string, ours as the full page (else htmx)
REQUESTS = [
    ("first page (full page)", {}, {}, True),
    ("first page", {}, {}, False),
    ("tab: discovered", {"status": "discovered"}, {"status__exact": "discovered"}, False),
    ("tab: tracked", {"status": "tracked"}, {"status__exact": "tracked"}, False),
    ("tab: ignored", {"status": "ignored"}, {"status__exact": "ignored"}, False),
    ("search number fragment 5501", {"query": "5501"}, {"q": "5501"}, False),
    ("search campaign name miami", {"query": "miami"}, {"q": "miami"}, False),
    ("campaign filter", {"campaign": "1017"}, {"campaign_id_from_network": "1017"}, False),
    *[
        (f"sort {key} desc", {"sort_by": key, "sort_dir": "desc"}, {"o": f"-{i}"}, False)
        for i, key in enumerate(
            ("phone_number", "campaign", "ring_pool", "status", "created", "updated"), start=1
        )
    ],
    ("deep page 1,000", {"page": "1000"}, {"p": "1000"}, False),
]


def register_admin() -> None:
    """Destination in Django's admin, as a team would register it (benchmark only)."""
    from django.contrib import admin

    from destinations.models import Destination

    class DestinationAdmin(admin.ModelAdmin):
        list_display = (
            "phone_number",
            "campaign_name",
            "ring_pool_name",
            "status",
            "created_at",
            "updated_at",
        )
        list_filter = ("status", "campaign_id_from_network")
        search_fields = ("phone_digits", "campaign_name", "ring_pool_name")
        # The ordering is the model's (Meta.ordering: phone_digits, pk), as ours. Set here
        # as well, the admin would add it after a column sort (-campaign, phone, pk),
        # where ours sorts -campaign, -pk: the same rows could not be compared.
        list_per_page = 50

    admin.site.register(Destination, DestinationAdmin)


SQLITE_ROWS = """
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s),
n(i, d, c, st) AS (
  SELECT i, CAST((i * 2654435761) %% 9000000000 + 1000000000 AS TEXT), (i * 31) %% 200,
         CASE WHEN i %% 10 < 3 THEN 'tracked' WHEN i %% 10 = 3 THEN 'ignored' ELSE 'discovered' END
  FROM s)
INSERT INTO destinations_destination (id, remote_id, country_code, phone_number, phone_digits,
  primary_url, requested_destination_name, created_at, updated_at, campaign_id_from_network,
  campaign_name, campaign_status, ring_pool_id_from_network, ring_pool_name, pool_type,
  destination_type, status, fingerprint, synced_at)
SELECT n.i, n.i, '1', substr(n.d, 1, 3) || '-' || substr(n.d, 4, 3) || '-' || substr(n.d, 7, 4),
  n.d, 'https://example.com/' || n.i, '', datetime('2026-11-01', '-' || ((n.i * 7919) %% 63072000) || ' seconds'),
  datetime('2026-11-01', '-' || ((n.i * 7919) %% 63072000 / 2) || ' seconds'),
  b.id, b.name, 'Activated',
  CASE WHEN n.st = 'tracked' THEN 'rp' || (n.c * 3 + n.i %% 3) ELSE '' END,
  CASE WHEN n.st = 'tracked' THEN 'Pool ' || b.name || ' #' || (n.i %% 3) ELSE '' END,
  CASE WHEN n.st = 'tracked' THEN 'dynamic' ELSE '' END, '', n.st, '', '2026-11-01 00:00:00'
FROM n JOIN bench_campaign b ON b.c = n.c
"""

PG_ROWS = """
INSERT INTO destinations_destination (id, remote_id, country_code, phone_number, phone_digits,
  primary_url, requested_destination_name, created_at, updated_at, campaign_id_from_network,
  campaign_name, campaign_status, ring_pool_id_from_network, ring_pool_name, pool_type,
  destination_type, status, fingerprint, synced_at)
SELECT n.i, n.i, '1', substr(n.d, 1, 3) || '-' || substr(n.d, 4, 3) || '-' || substr(n.d, 7, 4),
  n.d, 'https://example.com/' || n.i, '',
  timestamptz '2026-11-01 00:00:00+00' - make_interval(secs => (n.i * 7919) %% 63072000),
  timestamptz '2026-11-01 00:00:00+00' - make_interval(secs => (n.i * 7919) %% 63072000 / 2),
  b.id, b.name, 'Activated',
  CASE WHEN n.st = 'tracked' THEN 'rp' || (n.c * 3 + n.i %% 3) ELSE '' END,
  CASE WHEN n.st = 'tracked' THEN 'Pool ' || b.name || ' #' || (n.i %% 3) ELSE '' END,
  CASE WHEN n.st = 'tracked' THEN 'dynamic' ELSE '' END, '', n.st, '',
  timestamptz '2026-11-01 00:00:00+00'
FROM (
  SELECT i, ((i::bigint * 2654435761) %% 9000000000 + 1000000000)::text AS d, (i * 31) %% 200 AS c,
         CASE WHEN i %% 10 < 3 THEN 'tracked' WHEN i %% 10 = 3 THEN 'ignored' ELSE 'discovered' END AS st
  FROM generate_series(1::bigint, %s::bigint) AS i) AS n
JOIN bench_campaign b ON b.c = n.c
"""


def generate(count: int) -> float:
    """`count` destinations written in SQL; returns the seconds it took."""
    from django.db import connection, transaction

    from destinations.directory import CampaignEntry, destination_campaigns_replace

    campaigns = [
        (c, str(1000 + c), f"{CITIES[c % len(CITIES)]} {TRADES[c % len(TRADES)]} {c}")
        for c in range(CAMPAIGNS)
    ]
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_campaign (c integer, id text, name text)")
        cursor.executemany("INSERT INTO bench_campaign VALUES (%s, %s, %s)", campaigns)
        sql = PG_ROWS if connection.vendor == "postgresql" else SQLITE_ROWS
        cursor.execute(sql, [count])
        cursor.execute("DROP TABLE bench_campaign")
        destination_campaigns_replace(
            campaigns=[
                CampaignEntry(cid, name, f"A{c % ADVERTISERS}", f"Advertiser {c % ADVERTISERS}")
                for c, cid, name in campaigns
            ]
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - start


OUR_ROW = re.compile(rb'<tr id="destination-(\d+)"')
ADMIN_ROW = re.compile(rb'name="_selected_action" value="(\d+)"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--destinations", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    setup_django(temp_db())
    register_admin()

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    seconds = generate(args.destinations)
    print(f"{args.destinations:,} rows generated on {connection.vendor} in {seconds:.1f} s")

    user = User.objects.create_superuser("bench", password="unused-bench-password")
    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(user)

    def ours(params: dict, full: bool) -> bytes:
        headers = {} if full else {"HTTP_HX_REQUEST": "true"}
        response = web.get("/destinations/", params, **headers)
        assert response.status_code == 200, response.status_code
        return response.content

    def theirs(params: dict) -> bytes:
        response = web.get("/admin/destinations/destination/", params)
        assert response.status_code == 200, response.status_code
        return response.content

    for label, our_params, admin_params, full in REQUESTS:
        mine = OUR_ROW.findall(ours(our_params, full))
        admin = ADMIN_ROW.findall(theirs(admin_params))
        assert mine == admin and mine, (label, mine[:3], admin[:3], len(mine))
    print(f"Same rows in the same order for all {len(REQUESTS)} requests.", flush=True)

    timings: dict[str, tuple[list[float], list[float]]] = {r[0]: ([], []) for r in REQUESTS}
    order = random.Random(10)
    for round_number in range(args.warmup + args.rounds):
        requests = list(REQUESTS)
        order.shuffle(requests)
        for label, our_params, admin_params, full in requests:
            calls = [
                (0, lambda p=our_params, f=full: ours(p, f)),
                (1, lambda p=admin_params: theirs(p)),
            ]
            if round_number % 2:
                calls.reverse()
            for side, call in calls:
                start = time.perf_counter()
                call()
                elapsed = time.perf_counter() - start
                if round_number >= args.warmup:
                    timings[label][side].append(elapsed)

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20, method="inclusive")[18] * 1000

    print()
    print(
        f"{args.destinations:,} destinations on {connection.vendor}; {args.rounds} timed "
        f"requests each (after {args.warmup} warm-up rounds), interleaved; milliseconds."
    )
    print()
    print("| request (50 rows) | p95 ours | p95 admin | ours / admin |")
    print("| --- | ---: | ---: | ---: |")
    worst = 0.0
    for label, *_ in REQUESTS:
        mine, admin = (p95(values) for values in timings[label])
        worst = max(worst, mine / admin)
        print(f"| {label} | {mine:.1f} | {admin:.1f} | {mine / admin:.2f} |")
    print()
    print(f"Worst ratio: {worst:.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
