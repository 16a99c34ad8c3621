"""Receipt PDFs: the real worker (``python -m portal.queue``) makes them one by one.

The time per receipt is the gap between consecutive tasks' ``done_at`` (the worker is one
thread, so each gap is one task: claim, render, encrypt, commit). The worker's resident
memory is read from /proc after every tenth of the receipts.
"""

from __future__ import annotations

import itertools
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench import seed
from bench.servers import BIN, rss_mb, start_process, stop_process
from portal.applications.models import Receipt
from portal.clock import utcnow
from portal.identity.crypto import DataKeys
from portal.queue.models import Task


@dataclass
class WorkerResult:
    count: int
    made: int
    seconds_each: list[float]
    rss_start: float
    rss_by_tenth: list[float] = field(default_factory=list)
    parked_or_failed: int = 0


def seed_receipt_tasks(engine: sa.Engine, keys: DataKeys, count: int) -> list[int]:
    with Session(engine) as session, session.begin():
        template = seed.template_submission(session)
        pairs = seed.copy_submissions(session, keys, template, count, "IP-R")
        seed.add_receipt_tasks(session, template.municipality_id, pairs)
    return [submission_id for _case_id, submission_id in pairs]


def idle_worker_rss(environ: dict[str, str], engine: sa.Engine, logs: Path,
                    timeout: float = 60) -> float:
    """The memory reference: a worker with nothing to do, once it has imported everything it
    imports to start and to run its first round: read when its RSS has stayed the same for two
    seconds, after at least three. Tasks already queued (the receipt and e-mails of the
    submission the bench copies) are done first by a worker of their own: the reference used
    to make that receipt itself, and counted WeasyPrint and a first PDF as «idle»."""
    drain_due_tasks(environ, engine, logs)
    process = start_process([str(BIN / "python"), "-m", "portal.queue"],
                            environ, logs / "worker-idle.log")
    try:
        started = time.monotonic()
        readings = [0.0]
        while time.monotonic() - started < timeout:
            time.sleep(1)
            if process.poll() is not None:
                raise RuntimeError(f"the idle worker stopped; see {logs / 'worker-idle.log'}")
            readings.append(rss_mb(process.pid))
            steady = len(readings) >= 4 and abs(readings[-1] - readings[-3]) < 0.5
            if steady and time.monotonic() - started >= 3:
                break
        if due_tasks(engine):
            raise RuntimeError("the idle worker found tasks to do: its RSS is no reference")
        return readings[-1]
    finally:
        stop_process(process)


def due_tasks(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count(Task.id)).where(
            Task.done_at.is_(None), Task.parked_at.is_(None), Task.run_after <= utcnow()))


def drain_due_tasks(environ: dict[str, str], engine: sa.Engine, logs: Path,
                    rounds: int = 10) -> None:
    """Run ``python -m portal.queue --once`` until no task is due (a failed e-mail waits for
    its retry, which is not due for 30 s: nothing listens on the bench's SMTP port)."""
    for _round in range(rounds):
        if not due_tasks(engine):
            return
        process = start_process([str(BIN / "python"), "-m", "portal.queue", "--once"],
                                environ, logs / "worker-drain.log")
        if process.wait(120) != 0:
            raise RuntimeError(f"the worker failed; see {logs / 'worker-drain.log'}")
    raise RuntimeError(f"tasks still due after {rounds} rounds of the worker")


def receipts_made(engine: sa.Engine, submission_ids: list[int]) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count(Receipt.id))
                                 .where(Receipt.submission_id.in_(submission_ids)))


def run_worker_until_done(environ: dict[str, str], engine: sa.Engine, submission_ids: list[int],
                          logs: Path, timeout: float = 1800) -> WorkerResult:
    process = start_process([str(BIN / "python"), "-m", "portal.queue"],
                            environ, logs / "worker.log")
    count = len(submission_ids)
    try:
        time.sleep(0.5)
        result = WorkerResult(count, 0, [], rss_mb(process.pid))
        deadline = time.monotonic() + timeout
        while result.made < count and time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the worker stopped; see {logs / 'worker.log'}")
            result.made = receipts_made(engine, submission_ids)
            step = max(1, count // 10)
            while len(result.rss_by_tenth) < min(result.made, count) // step:
                result.rss_by_tenth.append(rss_mb(process.pid))
            time.sleep(0.05)
    finally:
        stop_process(process)
    result.seconds_each, result.parked_or_failed = task_times(engine, submission_ids)
    return result


def task_times(engine: sa.Engine, submission_ids: list[int]) -> tuple[list[float], int]:
    wanted = set(submission_ids)
    with Session(engine) as session:
        tasks = [task for task in session.scalars(
            sa.select(Task).where(Task.kind == "receipt_pdf").order_by(Task.done_at))
            if task.payload.get("submission_id") in wanted]
    done = [task.done_at for task in tasks if task.done_at is not None]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(done)]
    return gaps, sum(1 for task in tasks if task.attempts or task.parked_at)


def figures(result: WorkerResult, idle_rss: float | None = None):
    from bench.table import Figure, Goal

    each = result.seconds_each
    rss = result.rss_by_tenth
    growth = rss[-1] - rss[0] if len(rss) >= 2 else None
    spread = (f"median {statistics.median(each):.3f} s, max {max(each):.3f} s over "
              f"{len(each) + 1} receipts" if each else "no receipts timed")
    return [
        Figure("receipt PDF", "time per receipt in the worker (p95)", _p95(each), "s",
               Goal("<=", 0.5), note=f"{spread}; {result.parked_or_failed} retried or parked"),
        Figure("memory", f"worker RSS after {result.made:,} PDFs", rss[-1] if rss else None,
               "MB", Goal("<=", 150), idle_rss or result.rss_start,
               "idle worker after its imports" if idle_rss else "worker at start"),
        Figure("memory", "worker RSS growth, first → last tenth of the PDFs", growth, "MB",
               Goal("<=", 2.0), note="after each tenth: " + " → ".join(f"{m:.0f}" for m in rss)
               + " MB; ≤ 2 MB counts as no growth (allocator noise)"),
    ]


def page_growth(environ: dict[str, str], rows_for_pages=((5, "1 page"), (120, "10 pages")),
                repeats: int = 10) -> list[tuple[str, int, float]]:
    """Median render time of a receipt with a short and a long answer set, in this process
    (after one warm-up render, as in a worker that has made receipts before)."""
    from datetime import UTC, datetime

    from portal import create_app
    from portal.documents.receipts import ReceiptContent, render_receipt_pdf

    app = create_app(environ=environ)  # the database is not touched
    timings = []
    with app.test_request_context("/"):
        for rows, label in rows_for_pages:
            content = ReceiptContent(
                municipality_name="Eksempel kommune", unit_name="Tildelingsteamet",
                reference="IP-2026-7KQ4-M9", kind_title="Søknad om individuell plan",
                submitted_at=datetime(2026, 11, 25, 10, 30, tzinfo=UTC), language="nb",
                subject_name="Synthetic Person", subject_nin_masked="150376*****",
                submitted_by_name="Synthetic Person",
                rows=[(f"Spørsmål {n}", "Et svar på noen linjer. " * 6) for n in range(rows)],
                consent_text="Samtykke.", payload_sha256="0" * 64, what_next="Vi svarer.",
                contact="Ring oss.")
            pdf = render_receipt_pdf(content)  # warm-up
            pages = pdf_pages(pdf)
            seconds = []
            for _ in range(repeats):
                started = time.perf_counter()
                render_receipt_pdf(content)
                seconds.append(time.perf_counter() - started)
            timings.append((label, pages, statistics.median(seconds)))
    return timings


def pdf_pages(pdf: bytes) -> int | None:
    """Pages, by poppler's pdfinfo (installed for the tests); None without it."""
    import re
    import shutil
    import subprocess

    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        return None
    info = subprocess.run([pdfinfo, "-"], input=pdf, capture_output=True, check=False,  # noqa: S603
                          timeout=30).stdout.decode()
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return int(found.group(1)) if found else None


def page_growth_figures(timings: list[tuple[str, int, float]]):
    from bench.table import Figure

    return [Figure("growth", f"receipt PDF, {label} of answers (median render)", seconds, "s",
                   note=f"{pages} pages in the PDF; rendered in the bench process")
            for label, pages, seconds in timings]


def _p95(values: list[float]) -> float | None:
    from bench.submit import percentile

    return percentile(values, 0.95)
