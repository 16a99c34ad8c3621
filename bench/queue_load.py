"""Queue: consumers lease batches of messages and acknowledge each batch with one call
(``POST /api/v1/queue/ack``) through the API, next to the database's own INSERT + COMMIT rate
(the most any one-row-per-transaction design can reach)."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench import seed
from portal.api.clients import create_client
from portal.identity.crypto import DataKeys


@dataclass
class QueueResult:
    messages: int
    seconds: float
    acked: Counter
    errors: int

    @property
    def per_second(self) -> float:
        return len(self.acked) / self.seconds if self.seconds else 0.0


def api_token(engine: sa.Engine, municipality_id: int, name: str = "bench") -> str:
    with Session(engine) as session, session.begin():
        _client, token = create_client(session, municipality_id=municipality_id, name=name,
                                       scopes=["queue", "cases"])
    return token


def seed_messages(engine: sa.Engine, keys: DataKeys, count: int) -> int:
    """``count`` submitted applications waiting in the queue; returns the municipality id."""
    with Session(engine) as session, session.begin():
        template = seed.template_submission(session)
        pairs = seed.copy_submissions(session, keys, template, count, "IP-Q")
        seed.copy_receipts(session, keys, template, pairs)
        seed.add_outbox_messages(session, template.municipality_id, template.kind, pairs)
        municipality_id = template.municipality_id
    analyse(engine)
    return municipality_id


def analyse(engine: sa.Engine) -> None:
    """VACUUM ANALYZE, as autovacuum does within a minute of a change this large (its
    threshold: 50 rows and a tenth of the table). Without it the planner goes by the
    statistics of the emptied database: it takes the messages of a lease's batch by their
    municipality ("48 rows") and filters thousands, where the primary key finds 50."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def make_template_receipt(environ: dict[str, str]) -> None:
    """The copied submission's receipt PDF, made as the worker makes it (once per run)."""
    from portal import create_app
    from portal.applications.receipts import make_receipt_pdf
    from portal.db import get_db

    app = create_app({}, environ=environ)
    try:
        with app.test_request_context("/", base_url=app.config["PUBLIC_URL"]), \
                get_db(app).session_scope() as session:
            template = seed.template_submission(session)
            make_receipt_pdf(session, {"submission_id": template.id})
    finally:
        get_db(app).engine.dispose()


def consume(base_url: str, token: str, acked: Counter, errors: list, lock: threading.Lock,
            batch: int = 100) -> None:  # BATCH
    """Lease a batch, acknowledge it with one batch call, until the queue is empty."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        while True:
            response = client.post("/api/v1/queue/lease",
                                   json={"max_messages": batch, "lease_seconds": 300})
            if response.status_code != 200:
                errors.append(response.status_code)
                continue
            messages = response.json()["messages"]
            if not messages:
                return
            if not fetch_receipts(client, messages, errors, lock):
                continue  # not acknowledged: the lease runs out and the messages come back
            ids = [message["id"] for message in messages]
            response = client.post("/api/v1/queue/ack", json={"message_ids": ids})
            with lock:
                if response.status_code != 200:
                    errors.append(response.status_code)
                    continue
                result = response.json()
                for message_id in result["acknowledged"]:
                    acked[message_id] += 1
                errors.extend(404 for _ in result["not_found"])


def fetch_receipts(client: httpx.Client, messages: list[dict], errors: list,
                   lock: threading.Lock) -> bool:
    """What a back office does with a leased batch before it acknowledges it: take each
    submission's receipt PDF (the payload is in the message), here all of the batch's in one
    call (POST /api/v1/submissions/receipts) as a ZIP, each entry read whole (the reader
    checks its CRC-32). Each must come back and be a PDF."""
    ids = [message["submission"]["id"] for message in messages if message["submission"]]
    if not ids:
        return True
    response = client.post("/api/v1/submissions/receipts", json={"submission_ids": ids},
                           headers={"Accept": "application/zip"})
    whole = response.status_code == 200 and _all_pdfs(response.content, ids)
    if not whole:
        with lock:
            errors.append(response.status_code)
    return whole


def _all_pdfs(archive_bytes: bytes, ids: list[int]) -> bool:
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        listed = json.loads(archive.read("receipts.json"))["receipts"]
        pdfs = [archive.read(receipt["file"]) for receipt in listed]
    return (sorted(receipt["submission_id"] for receipt in listed) == sorted(ids)
            and all(pdf.startswith(b"%PDF") for pdf in pdfs))


def run_consumers(base_url: str, token: str, messages: int, consumers: int = 4) -> QueueResult:
    acked: Counter = Counter()
    errors: list[int] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=consume, args=(base_url, token, acked, errors, lock))
               for _ in range(consumers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    return QueueResult(messages, time.perf_counter() - started, acked, len(errors))


BATCH = 100  # messages a consumer leases, and acknowledges with one call


def insert_commit_rate(engine: sa.Engine, rows: int = 2000, batch: int = 1) -> float:
    """Rows per second for one connection that INSERTs ``batch`` rows and COMMITs, over and
    over: with ``batch`` = 1 the most a one-row-per-transaction design can reach; with the
    consumers' batch size, the like-for-like reference for a lease + ack of that size."""
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS bench_insert_reference")
        connection.exec_driver_sql("CREATE TABLE bench_insert_reference "
                                   "(id bigserial PRIMARY KEY, payload jsonb NOT NULL)")
        connection.commit()
        insert = sa.text("INSERT INTO bench_insert_reference (payload) VALUES (:payload)")
        started = time.perf_counter()
        for first in range(0, rows, batch):
            connection.execute(insert, [{"payload": f'{{"n": {number}}}'}
                                        for number in range(first, min(first + batch, rows))])
            connection.commit()
        seconds = time.perf_counter() - started
        connection.exec_driver_sql("DROP TABLE bench_insert_reference")
        connection.commit()
    return rows / seconds


def figures(result: QueueResult, single_rate: float, batched_rate: float, consumers: int,
            growth: dict[int, float] | None = None):
    from bench.table import Figure, Goal

    once = sum(1 for count in result.acked.values() if count == 1)
    rows = [
        Figure("queue", f"{consumers} consumers: lease + batch ack, messages/s", result.per_second,
               "msg/s", Goal(">=", 2000), batched_rate, f"INSERT+COMMIT, {BATCH} rows a commit",
               note=f"{len(result.acked):,} of {result.messages:,} acknowledged in "
                    f"{result.seconds:.1f} s; {result.errors} errors; batches of {BATCH}, one "
                    "batch-ack request (POST /api/v1/queue/ack) and one receipts request (POST "
                    "/api/v1/submissions/receipts as a ZIP, every PDF read) per lease; the "
                    "reference is one connection inserting batches of the same size"),
        Figure("queue", f"{consumers} consumers against the single-commit rate",
               result.per_second, "msg/s", Goal(">=", 5, on="ratio"), single_rate,
               "INSERT+COMMIT, 1 row a commit"),
        Figure("queue", "messages acknowledged exactly once", once, "count",
               Goal("==", result.messages)),
    ]
    if growth:
        rows.append(Figure(
            "growth", "queue throughput by consumers", growth[max(growth)], "msg/s",
            note=" → ".join(f"{n}: {rate:,.0f} msg/s" for n, rate in sorted(growth.items()))))
    return rows
