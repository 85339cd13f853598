"""Benchmark: the destinations table on a large network, ours against a naive baseline.

    .venv/bin/python bench/list_bench.py [--destinations 100000]

Syncs a sandbox network of N destinations into a fresh SQLite database (or
$DATABASE_URL), then, for each table view (50 rows, the HTMX partial that
search-as-you-type, tabs, sorting and paging request), times best of 5:

- baseline (data): what the view needs from the database, written the obvious
  way: one COUNT per status tab, a DISTINCT over campaigns for the filter, the
  search as `phone_number icontains` / campaign icontains, and Django's
  Paginator counting the page's rows again before slicing;
- ours (data): the selectors the view uses (one aggregate for every tab, the
  campaign list found through its index, digits search on `phone_digits`, the
  tab count reused by the paginator, few-match sorting);
- ours (full response): the whole HTMX response through Django's request stack,
  rendering included, as a logged-in editor gets it.
"""

import argparse
import time

from common import best_of, configure_client, sandbox_process, setup_django, temp_db

VIEWS = [
    ("first page", {}),
    ("status tab: discovered", {"status": "discovered"}),
    ("search 4 digits", {"query": "5501"}),
    ("search punctuated number", {"query": "(202) 555-01"}),
    ("search campaign name", {"query": "miami"}),
    ("sort by updated, desc", {"sort_by": "updated", "sort_dir": "desc"}),
    ("page 1,000", {"page": "1000"}),
    ("tracked, by campaign, page 100", {"status": "tracked", "sort_by": "campaign", "page": "100"}),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--destinations", type=int, default=100_000)
    args = parser.parse_args()
    setup_django(temp_db())

    from django.contrib.auth.models import User
    from django.core.paginator import Paginator
    from django.db.models import Q
    from django.test import Client

    from destinations.forms import DestinationFilterForm
    from destinations.models import Destination, Status
    from destinations.selectors import (
        SORT_FIELDS,
        destination_campaign_choices,
        destination_list,
        destination_status_counts,
    )
    from destinations.sync import destinations_sync
    from invoca_admin.invoca import get_client

    def baseline(params: dict) -> None:
        qs = Destination.objects.all()
        if query := params.get("query"):
            qs = qs.filter(Q(phone_number__icontains=query) | Q(campaign_name__icontains=query))
        counts = {s: qs.filter(status=s).count() for s in Status.values}
        counts["all"] = qs.count()
        list(
            Destination.objects.values_list("campaign_id_from_network", "campaign_name")
            .distinct()
            .order_by("campaign_name")
        )
        if status := params.get("status"):
            qs = qs.filter(status=status)
        field = SORT_FIELDS[params.get("sort_by", "phone_number")].replace(
            "phone_digits", "phone_number"
        )
        qs = qs.order_by(("-" if params.get("sort_dir") == "desc" else "") + field)
        list(Paginator(qs, 50).get_page(params.get("page")).object_list)

    def ours_data(params: dict) -> None:
        form = DestinationFilterForm(params)
        filters = form.filters
        counts = destination_status_counts(query=filters.query, campaign=filters.campaign)
        destination_campaign_choices()
        count = counts[filters.status or "all"]
        paginator = Paginator(destination_list(filters=filters, match_count=count), 50)
        paginator.count = count
        list(paginator.get_page(form.page_number).object_list)

    with sandbox_process(destinations=args.destinations) as url:
        configure_client(url)
        with get_client() as client:
            start = time.perf_counter()
            counts = destinations_sync(client=client)
            sync_seconds = time.perf_counter() - start
    assert counts.total == Destination.objects.count() == args.destinations

    editor = User.objects.create_superuser("bench", password="unused-bench-password")
    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(editor)

    def full(params: dict) -> None:
        response = web.get("/destinations/", {"per_page": 50, **params}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.status_code

    rows = []
    for label, params in VIEWS:
        for func in (baseline, ours_data, full):
            func(params)  # warm up
        timings = [best_of(5, lambda f=f, p=params: f(p)) for f in (baseline, ours_data, full)]
        rows.append((label, *timings))
        print(rows[-1], flush=True)

    from django.db import connection

    print()
    print(
        f"{args.destinations:,} destinations on {connection.vendor}, synced from the sandbox "
        f"in {sync_seconds:.1f} s. Best of 5, milliseconds."
    )
    print()
    print(
        "| view (50 rows) | baseline (data) | ours (data) | speed-up | ours (full HTMX response) |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, base, ours, whole in rows:
        print(
            f"| {label} | {base * 1000:.0f} | {ours * 1000:.0f} | {base / ours:.1f}× | {whole * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
