"""Sync of the destinations cache from Invoca, streamed in bounded memory.

Pages are fetched concurrently (a bounded window of requests ahead) once the first
page tells `recordsTotal`, and each page is written as it arrives, by the calling
thread while the fetchers go on, into two temporary tables of this database
connection: the id of every row Invoca returned (`destinations_sync_seen`) and the
full columns of the rows that are new or changed (`destinations_sync_stage`).
Nothing in memory grows with the number of rows. The live table is untouched until
:meth:`DestinationStage.merge`, one short set-based transaction (upsert from the
stage, delete what was not seen, reconcile ignores), so readers never see a
half-applied sync and a failed sync leaves the cache exactly as it was.

Offset paging is not stable while rows are added or deleted at Invoca: consecutive
pages overlap by one row, and a page whose boundary row moved, that comes back
short, or whose `recordsTotal` differs from the first page's means the list changed
under the pass; the pass is then repeated (bounded), so the cache equals Invoca's
list at one moment. If the list never holds still, the last pass is applied
without removing anything (no live row is dropped) and the run says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
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


#: Pages requested ahead of the writer, per fetcher: with the page being written, all
#: that a sync holds in memory (a few pages, whatever the number of rows).
WINDOW_PER_FETCHER = 2
#: Passes over Invoca's list before the sync stops waiting for it to hold still.
MAX_PASSES = 3

#: SQLite page cache of the syncing connection while it stages and publishes (KiB).
SQLITE_CACHE_KIB = 32 * 1024

SEEN_TABLE = "destinations_sync_seen"
STAGE_TABLE = "destinations_sync_stage"


class ListMoved(Exception):
    """Invoca's list changed while a pass read it (rows added or removed meanwhile)."""


@dataclass
class PagedRead:
    """What one pass over the list found out about itself."""

    pages_total: int = 0
    moved: str = ""  # why the pass is not one moment of Invoca's list; "" when it is


def read_pages(
    client: InvocaClient,
    *,
    page_size: int,
    concurrency: int,
    read: PagedRead,
    strict: bool = True,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> Iterator[tuple[RemoteDestination, ...]]:
    """Every destination, a page at a time, in the order the pages arrive.

    The first page gives `recordsTotal` and the page size the server really grants
    (it may cap `limit`); the other pages are then fetched concurrently, at most
    `concurrency * WINDOW_PER_FETCHER` ahead of the consumer. Page k starts on page
    k-1's last row: that shared row must be the same on both, every page must hold
    what `recordsTotal` promised, and every `recordsTotal` must agree; otherwise the
    list moved under the pass and :class:`ListMoved` is raised (or, with
    ``strict=False``, the reason is kept in ``read.moved`` and reading goes on).
    The shared row is yielded once.
    """
    first = client.list_destinations(start=0, limit=page_size, sort_by="id", sort_dir="asc")
    total, granted = first.total, len(first.rows)
    if total <= granted or granted == 0:
        read.pages_total = 1
        on_progress(1, 1)
        yield first.rows
        return
    overlap = granted > 1
    stride = granted - 1 if overlap else granted
    starts = range(stride, total - 1 if overlap else total, stride)
    read.pages_total = 1 + len(starts)
    on_progress(1, read.pages_total)
    yield first.rows

    def moved(reason: str) -> None:
        read.moved = read.moved or reason
        if strict:
            raise ListMoved(reason)

    def fetch(index: int):
        start = starts[index - 1]
        page = client.list_destinations(start=start, limit=granted, sort_by="id", sort_dir="asc")
        return index, start, page

    lasts = {0: first.rows[-1].id}  # boundary rows of pages whose neighbour has not come yet
    firsts: dict[int, object] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency))
    window = max(1, concurrency) * WINDOW_PER_FETCHER
    pending: set = set()
    next_index, done = 1, 1
    try:
        while pending or next_index <= len(starts):
            while next_index <= len(starts) and len(pending) < window:
                pending.add(pool.submit(fetch, next_index))
                next_index += 1
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index, start, page = future.result()
                rows = page.rows
                if page.total != total:
                    moved(f"its count went from {total:,} to {page.total:,}")
                elif len(rows) != min(granted, total - start):
                    moved(f"the page at {start:,} came back with {len(rows)} rows")
                if rows and overlap:
                    firsts[index], lasts[index] = rows[0].id, rows[-1].id
                    for left in (index - 1, index):
                        if left in lasts and left + 1 in firsts:
                            if lasts.pop(left) != firsts.pop(left + 1):
                                moved(f"the rows at {starts[left]:,} moved")
                    rows = rows[1:]
                done += 1
                on_progress(done, read.pages_total)
                yield rows
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _quoted_columns(fields) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


class DestinationStage:
    """The rows of one sync, held in temporary tables of this connection until merged.

    Use as a context manager (the tables are dropped on exit), :meth:`add` pages as
    they arrive, then :meth:`merge` in the transaction that should publish them.
    """

    def __init__(self) -> None:
        opts = Destination._meta
        # Every column of the model but its own id: a field added to Destination is
        # written too, and a row dict that lacks one fails loudly (KeyError).
        self.fields = [f for f in opts.concrete_fields if not f.primary_key]
        self.live = connection.ops.quote_name(opts.db_table)
        self.now = timezone.now()
        self.counts = SyncCounts()
        self.complete = True  # every row Invoca has was seen: the unseen may be removed
        self._names = [f.attname for f in self.fields]
        self._seq = 0  # the order rows were staged in: a row staged twice keeps its later one
        # One converter per column, chosen once (None: the value goes as it is): the
        # row-by-row cost that a sync of a million rows pays a million times.
        self._adapters = [_adapter(f) for f in self.fields]
        # Invoca's raw record travels beside the row, in a column of the stage only, and
        # is published into its side table (DestinationPayload).
        self._payload = DestinationPayload._meta.get_field("payload")
        self._adapters.append(_adapter(self._payload))

    def __enter__(self) -> DestinationStage:
        columns = _quoted_columns(self.fields)
        with connection.cursor() as cursor:
            self._drop(cursor)
            if connection.vendor == "sqlite":
                # The publishing upsert maintains every index of the live table: with
                # SQLite's default 2 MB page cache it re-reads index pages over and over
                # (measured: twice as slow). A bounded cache for this connection only.
                cursor.execute("PRAGMA cache_size")
                self._cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
            # No index while rows stream in (appending is all they take); :meth:`merge`
            # indexes them once.
            cursor.execute(f"CREATE TEMPORARY TABLE {SEEN_TABLE} (remote_id BIGINT NOT NULL)")
            # Same columns and types as the live table, none of its indexes.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGE_TABLE} AS "  # noqa: S608 (model names only)
                f"SELECT {columns} FROM {self.live} WHERE 1 = 0"
            )
            cursor.execute(
                f"ALTER TABLE {STAGE_TABLE} ADD COLUMN payload {self._payload.db_type(connection)}"
            )
            cursor.execute(f"ALTER TABLE {STAGE_TABLE} ADD COLUMN sync_seq BIGINT")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            with connection.cursor() as cursor:
                self._drop(cursor)
        except DatabaseError:
            if exc is None:
                raise
            # The original failure matters more; the tables go with the connection.
            logger.warning("Could not drop the sync's temporary tables.", exc_info=True)

    _cache_size: int | None = None

    def _drop(self, cursor) -> None:
        if self._cache_size is not None:
            cursor.execute(f"PRAGMA cache_size = {int(self._cache_size)}")
            self._cache_size = None
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")

    def reset(self) -> None:
        """Forget every row added (for a new pass over the list)."""
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {STAGE_TABLE}")  # noqa: S608
            cursor.execute(f"DELETE FROM {SEEN_TABLE}")  # noqa: S608
        self.counts = SyncCounts()
        self.complete = True

    def add(self, remote_rows: Iterable[RemoteDestination]) -> None:
        """Stage one batch: note every id, keep the full row only if new or changed."""
        remote_rows = list(remote_rows)
        ids = [r.id for r in remote_rows if _storable_id(r.id)]
        known = dict(
            Destination.objects.filter(remote_id__in=ids).values_list("remote_id", "fingerprint")
        )
        ignored = set(
            IgnoreRecord.objects.filter(remote_id__in=ids).values_list("remote_id", flat=True)
        )
        seen: list[tuple[int]] = []
        staged: list[tuple] = []
        for remote in remote_rows:
            locally_ignored = remote.id in ignored
            cached = known.get(remote.id)
            # Unchanged (the common case of a re-sync): its digest says so, nothing else
            # needs computing. (A row the cache could not hold never matches a digest.)
            if cached and cached == fingerprint(remote.raw, locally_ignored=locally_ignored):
                seen.append((remote.id,))
                continue
            fields = destination_fields(remote, locally_ignored=locally_ignored)
            if problems := _row_problems(remote, fields):
                self.counts.skip(remote, problems)
                if _storable_id(remote.id):
                    seen.append((remote.id,))  # a skipped row keeps its cached version
                continue
            seen.append((remote.id,))
            if cached != fields["fingerprint"]:
                staged.append(self._row({"remote_id": remote.id, "synced_at": self.now, **fields}))
        _append_rows(SEEN_TABLE, "remote_id", seen)
        _append_rows(STAGE_TABLE, f"{_quoted_columns(self.fields)}, payload, sync_seq", staged)

    def _row(self, values: dict) -> tuple:
        self._seq += 1
        return (
            *(
                value if adapt is None or value is None else adapt(value)
                for adapt, value in zip(
                    self._adapters, map(values.__getitem__, [*self._names, "payload"]), strict=True
                )
            ),
            self._seq,
        )

    def merge(self) -> SyncCounts:
        """Make the live table equal to what was staged, in one set-based transaction.

        Run it inside the transaction that publishes the sync (it nests as a savepoint).
        """
        counts = self.counts
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {SEEN_TABLE}_id ON {SEEN_TABLE} (remote_id)")
            cursor.execute(f"CREATE INDEX {STAGE_TABLE}_key ON {STAGE_TABLE} (remote_id, sync_seq)")
            if connection.vendor == "postgresql":  # temporary tables have no statistics
                cursor.execute(f"ANALYZE {SEEN_TABLE}")
                cursor.execute(f"ANALYZE {STAGE_TABLE} (remote_id)")  # the joins' key only
            # A row staged twice (the list moved under the last pass) keeps its later version.
            cursor.execute(
                f"DELETE FROM {STAGE_TABLE} WHERE EXISTS (SELECT 1 FROM {STAGE_TABLE} later "  # noqa: S608
                f"WHERE later.remote_id = {STAGE_TABLE}.remote_id "
                f"AND later.sync_seq > {STAGE_TABLE}.sync_seq)"
            )
            cursor.execute(f"SELECT COUNT(DISTINCT remote_id) FROM {SEEN_TABLE}")  # noqa: S608
            counts.total = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT COUNT(*), COUNT(d.remote_id) FROM {STAGE_TABLE} s "  # noqa: S608
                f"LEFT JOIN {self.live} d ON d.remote_id = s.remote_id"
            )
            staged, changed = cursor.fetchone()
            counts.new, counts.changed = staged - changed, changed
            write_staged_destinations(cursor, self.fields)
            if self.complete:
                counts.removed = delete_unseen_destinations(cursor)
            if counts.skipped > SKIPPED_DESCRIBED:
                counts.warnings.append(
                    f"… and {counts.skipped - SKIPPED_DESCRIBED} more destinations skipped."
                )
            reconcile_local_ignores()
        return counts


def _append_rows(table: str, columns: str, rows: list[tuple]) -> None:
    """Append `rows` (tuples of `columns`, quoted) to one of the stage's temporary tables.

    On PostgreSQL by ``COPY … FROM STDIN`` through the connection's psycopg cursor (in
    its transaction): a tenth of what a prepared INSERT a row costs the server. On
    SQLite, one prepared INSERT run for every row (its transaction mode here is
    IMMEDIATE: no BEGIN that would lock out the dashboard's writers for staging, which
    only touches temporary tables). Only the model's own names are interpolated.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(rows[0]))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )


def _utc_text(value: datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime (naive UTC, str())."""
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _adapter(field) -> Callable | None:
    if isinstance(field, models.DateTimeField):
        zone = getattr(connection, "timezone", None)
        if connection.vendor == "sqlite" and settings.USE_TZ and zone is not None:
            if zone.utcoffset(None) == timedelta(0):
                return _utc_text
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _row_problems(remote: RemoteDestination, fields: dict) -> list[str]:
    if not isinstance(remote.id, int) or isinstance(remote.id, bool):
        return [f"its id {str(remote.id)[:40]!r} is not a number"]
    return column_problems(Destination, {"remote_id": remote.id, **fields})


def _storable_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def write_staged_destinations(cursor, fields) -> None:
    """THE write of synced rows into the live table: every staged row, one statement.

    INSERT … SELECT … ON CONFLICT (remote_id) DO UPDATE (SQLite and PostgreSQL both
    speak it; `WHERE 1 = 1` settles SQLite's parse of a SELECT before ON CONFLICT).
    Only the model's own table and column names are interpolated.
    """
    quote = connection.ops.quote_name
    columns = _quoted_columns(fields)
    updates = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}"
        for f in fields
        if f.attname != "remote_id"
    )
    live = quote(Destination._meta.db_table)
    cursor.execute(
        f"INSERT INTO {live} ({columns}) SELECT {columns} FROM {STAGE_TABLE} "  # noqa: S608
        f"WHERE 1 = 1 ON CONFLICT (remote_id) DO UPDATE SET {updates}"
    )
    # Invoca's raw record, into its side table (the list never reads it).
    side = DestinationPayload._meta
    key = quote(side.pk.column)
    cursor.execute(
        f"INSERT INTO {quote(side.db_table)} ({key}, payload) "  # noqa: S608
        f"SELECT remote_id, payload FROM {STAGE_TABLE} "
        f"WHERE 1 = 1 ON CONFLICT ({key}) DO UPDATE SET payload = EXCLUDED.payload"
    )


def delete_unseen_destinations(cursor) -> int:
    """Remove the cached rows this sync did not see, in batches through the ORM (so
    whatever points at a Destination is handled as Django's on_delete says)."""
    live = connection.ops.quote_name(Destination._meta.db_table)
    removed, after = 0, -1
    while True:
        cursor.execute(
            f"SELECT d.id FROM {live} d WHERE d.id > %s AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {SEEN_TABLE} s WHERE s.remote_id = d.remote_id) "
            "ORDER BY d.id LIMIT %s",
            [after, BATCH_SIZE],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return removed
        Destination.objects.filter(pk__in=ids).delete()
        removed += len(ids)
        after = ids[-1]


def destinations_read(
    stage: DestinationStage,
    *,
    client: InvocaClient,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
    page_size: int | None = None,
    concurrency: int | None = None,
) -> SyncCounts:
    """Stream every destination into `stage`, page by page as they arrive.

    A pass during which the list moved is read again, up to MAX_PASSES; the last
    pass is kept whatever happens, but then nothing is removed (a row missed because
    the pages shifted must not be dropped) and the counts carry a warning.
    """
    page_size = page_size or settings.INVOCA_SYNC_PAGE_SIZE
    concurrency = concurrency or settings.INVOCA_SYNC_CONCURRENCY
    for attempt in range(1, MAX_PASSES + 1):
        read = PagedRead()
        pages = read_pages(
            client,
            page_size=page_size,
            concurrency=concurrency,
            read=read,
            strict=attempt < MAX_PASSES,
            on_progress=on_progress,
        )
        try:
            with closing(pages):
                for rows in pages:
                    stage.add(rows)
        except ListMoved as exc:
            logger.info(
                "Invoca's destinations changed during pass %s (%s): reading again.", attempt, exc
            )
            stage.reset()
            continue
        if read.moved:
            stage.complete = False
            stage.counts.warnings.append(
                f"Invoca's destinations kept changing while they were read ({read.moved}): "
                "nothing was removed; the next sync removes what Invoca no longer has."
            )
        break
    return stage.counts


def apply_destinations(remote_rows: Iterable[RemoteDestination]) -> SyncCounts:
    """Make the cache equal to `remote_rows` (all of Invoca's destinations), in one
    transaction. Only new and changed rows are written; the others are removed."""
    with DestinationStage() as stage:
        batch: list[RemoteDestination] = []
        for remote in remote_rows:
            batch.append(remote)
            if len(batch) >= BATCH_SIZE:
                stage.add(batch)
                batch = []
        stage.add(batch)
        return stage.merge()


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


def destinations_sync(
    *,
    client: InvocaClient,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> SyncCounts:
    """Stream every destination into a stage, then publish it in one transaction."""
    with DestinationStage() as stage:
        destinations_read(stage, client=client, on_progress=on_progress)
        with transaction.atomic():
            return stage.merge()
