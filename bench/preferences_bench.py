"""Benchmark: what saved views, the column chooser and "new since your last visit" cost.

    .venv/bin/python bench/preferences_bench.py [--destinations 10000]

Syncs a sandbox network of N destinations into a fresh SQLite database (or
$DATABASE_URL), then times best of 15, through Django's request stack as a logged-in
user gets them, each page for two users:

- baseline: a user with no saved views and no column choices (what every page did
  before these features, plus the three small per-user queries that now always run);
- heavy: a user with the most saved views there can be (50 on each of the three lists,
  one of them the default) and three hidden columns.

It also counts the queries of each page: the per-user ones do not grow with the
network's size (they read the user's own rows through their unique indexes).
"""

import argparse

from common import best_of, configure_client, sandbox_process, setup_django, temp_db

PAGES = [
    ("destinations, full page", "/destinations/?status=discovered", {}),
    ("destinations, htmx table", "/destinations/?status=discovered", {"HTTP_HX_REQUEST": "true"}),
    ("ring pools, full page", "/ringpools/?view=all", {}),
    ("audit log, full page", "/audit/?view=all", {}),
    ("overview", "/", {}),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--destinations", type=int, default=10_000)
    args = parser.parse_args()
    setup_django(temp_db())

    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from destinations.models import Destination
    from destinations.sync import destinations_sync
    from invoca_admin.core.preferences import VIEWS_PER_LIST_MAX
    from invoca_admin.invoca import get_client
    from invoca_admin.models import ListPreference, OverviewVisit, SavedView

    with sandbox_process(destinations=args.destinations) as url:
        configure_client(url)
        with get_client() as client:
            destinations_sync(client=client)
    assert Destination.objects.count() == args.destinations

    plain = User.objects.create_superuser("plain", password="unused-bench-password")
    heavy = User.objects.create_superuser("heavy", password="unused-bench-password")
    for list_id in ("destination", "ringpool", "audit"):
        SavedView.objects.bulk_create(
            SavedView(
                user=heavy,
                list_id=list_id,
                name=f"View {i}",
                query=f"status=discovered&n={i}",
                is_default=i == 0,
            )
            for i in range(VIEWS_PER_LIST_MAX)
        )
    ListPreference.objects.create(
        user=heavy, list_id="destination", hidden_columns=["campaign", "created", "updated"]
    )
    year_ago = timezone.now() - timedelta(days=365)
    for user in (plain, heavy):
        OverviewVisit.objects.create(user=user, seen_at=year_ago, previous_seen_at=year_ago)

    clients = {}
    for user in (plain, heavy):
        web = Client(HTTP_HOST="127.0.0.1")
        web.force_login(user)
        clients[user.username] = web

    rows = []
    for label, path, headers in PAGES:
        row = [label]
        for name in ("plain", "heavy"):
            web = clients[name]

            def get(web=web, path=path, headers=headers):
                response = web.get(path, **headers)
                assert response.status_code == 200, (path, response.status_code)

            get()  # warm up
            queries = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                get()
            row += [best_of(15, get) * 1000, len(queries)]
        rows.append(row)
        print(row, flush=True)

    print()
    print(
        f"{args.destinations:,} destinations on {connection.vendor}. Best of 15, milliseconds "
        f"(queries). Heavy user: {VIEWS_PER_LIST_MAX} saved views on each list, 3 hidden columns."
    )
    print()
    print("| page | no views, no choices | heavy user |")
    print("| --- | ---: | ---: |")
    for label, t_plain, q_plain, t_heavy, q_heavy in rows:
        print(f"| {label} | {t_plain:.1f} ms ({q_plain}) | {t_heavy:.1f} ms ({q_heavy}) |")


if __name__ == "__main__":
    main()
