"""Sync of the destinations cache from Invoca.

Pages are fetched concurrently once the first page tells `recordsTotal`; nothing
touches the database until every page has arrived, and the whole cache update
then runs in one transaction, so a failed or interrupted sync leaves the
previous cache exactly as it was.
"""

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from invoca_admin.core.columns import column_problems
from invoca_admin.invoca import Destination as RemoteDestination
from invoca_admin.invoca import InvocaClient

from .models import Destination, DestinationPayload, IgnoreRecord, Status, destination_status

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# The cache columns that come from the destination's ring pool (`dynamic_number_pool`).
POOL_FIELDS = (
    "ring_pool_id_from_network",
    "ring_pool_name",
    "pool_type",
    "destination_type",
    "lifetime_seconds",
    "max_pool_size",
    "preferred",
    "is_first_preference",
    "use_custom_data",
)


#: At most this many skipped rows are described one by one in a run's summary.
SKIPPED_DESCRIBED = 20


@dataclass
class SyncCounts:
    total: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def skip(self, remote: RemoteDestination, problems: list[str]) -> None:
        """Count a row that does not fit the cache, and say why (for the first few)."""
        self.skipped += 1
        if self.skipped <= SKIPPED_DESCRIBED:
            label = remote.phone_number or f"id {remote.id!s}"
            self.warnings.append(f"Skipped destination {label}: {'; '.join(problems)}.")


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def fingerprint(payload: dict, *, locally_ignored: bool) -> str:
    """A digest of what a row is derived from: Invoca's record and the local ignore."""
    blob = json.dumps(
        [payload, locally_ignored], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.md5(blob.encode(), usedforsecurity=False).hexdigest()


def destination_fields(remote: RemoteDestination, *, locally_ignored: bool) -> dict:
    """The cache columns for one Invoca destination."""
    campaign = remote.advertiser_campaign
    pool = remote.dynamic_number_pool
    return {
        "country_code": remote.country_code or "",
        "phone_number": remote.phone_number or "",
        "phone_digits": digits(remote.phone_number or ""),
        "primary_url": remote.primary_url or "",
        "requested_destination_name": (remote.requested_destination_name or "")[:255],
        "acknowledged_at": remote.acknowledged_at,
        "created_at": remote.created_at,
        "updated_at": remote.updated_at,
        "ignored_at": remote.ignored_at,
        "notified_at": remote.notified_at,
        "campaign_id_from_network": (campaign.id_from_network or "") if campaign else "",
        "campaign_name": ((campaign.name or "") if campaign else "")[:255],
        "campaign_status": (campaign.status or "") if campaign else "",
        "ring_pool_id_from_network": (pool.id_from_network or "") if pool else "",
        "ring_pool_name": ((pool.name or "") if pool else "")[:255],
        "pool_type": (pool.pool_type or "") if pool else "",
        "destination_type": (pool.destination_type or "") if pool else "",
        "lifetime_seconds": pool.lifetime_seconds if pool else None,
        "max_pool_size": pool.max_pool_size if pool else None,
        "preferred": pool.preferred if pool else None,
        "is_first_preference": pool.is_first_preference if pool else None,
        "use_custom_data": pool.use_custom_data if pool else None,
        "status": destination_status(
            has_pool=pool is not None, ignored_at=remote.ignored_at, ignored_here=locally_ignored
        ),
        "payload": remote.raw,
        "fingerprint": fingerprint(remote.raw, locally_ignored=locally_ignored),
    }


def destination_upsert(
    *, remote: RemoteDestination, synced_at: datetime | None = None
) -> Destination:
    """Write one destination Invoca returned into the cache (after a remote write)."""
    ignored = IgnoreRecord.objects.filter(remote_id=remote.id).exists()
    fields = destination_fields(remote, locally_ignored=ignored)
    fields["synced_at"] = synced_at or timezone.now()
    payload = fields.pop("payload")  # kept beside the row (DestinationPayload)
    obj, _ = Destination.objects.update_or_create(remote_id=remote.id, defaults=fields)
    DestinationPayload.objects.update_or_create(remote=obj, defaults={"payload": payload})
    return obj


def fetch_all_destinations(
    client: InvocaClient,
    *,
    page_size: int,
    concurrency: int,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict[int, RemoteDestination]:
    """Every destination Invoca has, keyed by id.

    The first page gives `recordsTotal` and the page size the server really
    grants (it may cap `limit`); the other pages are then fetched concurrently.
    A page that comes back short (not at the end) is completed sequentially, so
    nothing is missed whatever the server's cap.
    """
    first = client.list_destinations(start=0, limit=page_size, sort_by="id", sort_dir="asc")
    rows: dict[int, RemoteDestination] = {row.id: row for row in first.rows}
    total = first.total
    granted = len(first.rows)
    if total <= granted or granted == 0:
        on_progress(1, 1)
        return rows
    starts = list(range(granted, total, granted))
    pages_total = 1 + len(starts)
    on_progress(1, pages_total)

    def fetch(start: int) -> tuple[int, tuple[RemoteDestination, ...]]:
        page = client.list_destinations(start=start, limit=granted, sort_by="id", sort_dir="asc")
        return start, page.rows

    short: list[tuple[int, int]] = []  # (start of the missing part, rows missing)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(fetch, start) for start in starts]
        try:
            for done, future in enumerate(as_completed(futures), start=2):
                start, page_rows = future.result()
                rows.update((row.id, row) for row in page_rows)
                expected = min(granted, total - start)
                if len(page_rows) < expected:
                    short.append((start + len(page_rows), expected - len(page_rows)))
                on_progress(done, pages_total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    for start, missing in short:
        fetched = 0
        while fetched < missing:
            page = client.list_destinations(
                start=start + fetched, limit=missing - fetched, sort_by="id", sort_dir="asc"
            )
            if not page.rows:
                break
            rows.update((row.id, row) for row in page.rows)
            fetched += len(page.rows)
    return rows


def _upsert(rows: list[dict], model: type = Destination) -> None:
    """INSERT … ON CONFLICT (remote_id) DO UPDATE, as one executemany.

    Measured (bench/RESULTS.md): Django's `bulk_create(update_conflicts=True)`
    spends ~0.2 ms a row compiling SQL, ten times what SQLite needs to store it;
    this writes the same statement once and adapts values by hand. Works on
    SQLite and PostgreSQL alike (both speak ON CONFLICT … EXCLUDED).
    """
    opts = model._meta
    quote = connection.ops.quote_name
    # Every column of the model but its own id: a field added to Destination is written
    # too, and a row dict that lacks one fails loudly (KeyError) instead of storing NULL.
    fields = [f for f in opts.concrete_fields if f is not opts.auto_field]
    key = opts.get_field("remote_id")
    columns = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields if f is not key
    )
    placeholders = ", ".join(["%s"] * len(fields))
    # Only the model's own table and column names are interpolated; values are parameters.
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({quote(key.column)}) DO UPDATE SET {updates}"
    )
    adapt_time = connection.ops.adapt_datetimefield_value

    def adapt(field, value):
        if value is None or isinstance(value, str | int | bool):
            return value
        if isinstance(value, datetime):
            return adapt_time(value)
        return field.get_db_prep_save(value, connection)  # e.g. the payload's JSON

    params = [tuple(adapt(f, row[f.attname]) for f in fields) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _row_problems(remote: RemoteDestination, fields: dict) -> list[str]:
    if not isinstance(remote.id, int) or isinstance(remote.id, bool):
        return [f"its id {str(remote.id)[:40]!r} is not a number"]
    return column_problems(Destination, {"remote_id": remote.id, **fields})


def apply_destinations(remote_rows: Iterable[RemoteDestination]) -> SyncCounts:
    """Make the cache equal to `remote_rows`, in one transaction.

    Only new rows and rows whose payload changed are written; rows Invoca no
    longer returns are removed. Local ignore records are kept whatever happens.
    """
    now = timezone.now()
    remote_rows = list(remote_rows)
    counts = SyncCounts(total=len(remote_rows))
    ignored_ids = set(IgnoreRecord.objects.values_list("remote_id", flat=True))
    with transaction.atomic():
        existing = dict(Destination.objects.values_list("remote_id", "fingerprint"))
        to_write: list[dict] = []
        for remote in remote_rows:
            known = existing.pop(remote.id, None)  # a skipped row keeps its cached version
            fields = destination_fields(remote, locally_ignored=remote.id in ignored_ids)
            if problems := _row_problems(remote, fields):
                counts.skip(remote, problems)
                continue
            if known is None:
                counts.new += 1
            elif known == fields["fingerprint"]:
                continue
            else:
                counts.changed += 1
            to_write.append({"remote_id": remote.id, "synced_at": now, **fields})
        for i in range(0, len(to_write), BATCH_SIZE):
            _upsert(to_write[i : i + BATCH_SIZE])
            _upsert(to_write[i : i + BATCH_SIZE], model=DestinationPayload)  # the raw record
        if counts.skipped > SKIPPED_DESCRIBED:
            counts.warnings.append(
                f"… and {counts.skipped - SKIPPED_DESCRIBED} more destinations skipped."
            )
        gone = list(existing)
        counts.removed = len(gone)
        for i in range(0, len(gone), BATCH_SIZE):
            Destination.objects.filter(remote_id__in=gone[i : i + BATCH_SIZE]).delete()
        reconcile_local_ignores()
    return counts


def reconcile_local_ignores() -> int:
    """Make every untracked row's status agree with the ignore records as they are now.

    A sync decides statuses from the ignores it read when it started; an ignore or
    un-ignore made while it was writing would otherwise show wrongly until the next
    sync. Run last in the sync's transaction: an ignore committed before this statement
    is applied here, one committed after it waits for the rows this sync holds.
    """
    ignored = IgnoreRecord.objects.values("remote_id")
    fixed = Destination.objects.filter(status=Status.DISCOVERED, remote_id__in=ignored).update(
        status=Status.IGNORED, fingerprint=""
    )
    fixed += (
        Destination.objects.filter(status=Status.IGNORED, ignored_at__isnull=True)
        .exclude(remote_id__in=ignored)
        .update(status=Status.DISCOVERED, fingerprint="")
    )
    return fixed


def destinations_fetch(
    *,
    client: InvocaClient,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict[int, RemoteDestination]:
    """Every destination, with the page size and concurrency of the settings."""
    return fetch_all_destinations(
        client,
        page_size=settings.INVOCA_SYNC_PAGE_SIZE,
        concurrency=settings.INVOCA_SYNC_CONCURRENCY,
        on_progress=on_progress,
    )


def destinations_sync(
    *,
    client: InvocaClient,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> SyncCounts:
    """Fetch every destination, then make the cache equal to it in one transaction."""
    return apply_destinations(destinations_fetch(client=client, on_progress=on_progress).values())
