"""Submit: concurrent virtual citizens (locust) send applications; then the database is checked.

While they send, a back-office consumer polls the queue API, so the same run also measures
how long a submission takes to become leasable.

It runs twice. First the citizens pause 0.5–1.5 s before each request, as people reading a
page and typing do, only faster (a real form takes minutes): 20 people using the service at
once, the figures with goals. The pause stays under gunicorn's keep-alive of 2 s: a longer
one let the server close the connection just as the client reused it (a failed request
that a browser would have sent again). Then with no pause at all, so that each virtual
citizen is a load generator and the server is saturated for the whole run: a stress figure,
shown for sizing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.servers import BIN, PROJECT, clean_environ

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PAUSE = (0.5, 1.5)  # seconds a citizen pauses before each request, at random in this range
NO_PAUSE = (0.0, 0.0)


@dataclass
class SubmitResult:
    citizens: list[dict]
    failures: list[str]
    request_failures: int
    checks: dict[str, int]
    leased_at: dict[str, float] = field(default_factory=dict)  # case reference → time.time()

    def submit_ms(self) -> list[float]:
        return sorted(c["submit_seconds"] * 1000 for c in self.citizens)

    def to_leasable(self) -> list[float]:
        """Seconds from sending the final POST to the message's first lease, per citizen."""
        return sorted(self.leased_at[c["reference"]] - c["submit_started"]
                      for c in self.citizens if c["reference"] in self.leased_at)


POLL_SECONDS = 0.1  # QueueProbe's pause between two leases


class QueueProbe(threading.Thread):
    """A back office that leases and acknowledges as fast as it can, remembering when each
    case's message first came."""

    def __init__(self, base_url: str, token: str, interval: float = POLL_SECONDS) -> None:
        """``interval``: the pause between two leases. Every 100 ms is more often than any
        back office polls; at every 10 ms (before) its own requests were a standing load on
        the server, and a submission that met one waited for it."""
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base_url, timeout=10,
                                   headers={"Authorization": f"Bearer {token}"})
        self.interval = interval
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            response = self.client.post("/api/v1/queue/lease",
                                        json={"max_messages": 100, "lease_seconds": 600})
            now = time.time()
            for message in response.json().get("messages", []):
                self.seen.setdefault(message["case_reference"], now)
                self.client.post(f"/api/v1/queue/{message['id']}/ack")
            self.stop.wait(self.interval)


def run_locust(base_url: str, citizens: int, run: str, out: Path, logs: Path,
               production_url: str = "", pause: tuple[float, float] = NO_PAUSE,
               first_number: int = 1000) -> dict:
    environ = clean_environ({"BENCH_CITIZENS": str(citizens), "BENCH_RUN": run,
                             "BENCH_LOCUST_OUT": str(out), "BENCH_PRODUCTION_URL": production_url,
                             "BENCH_THINK_SECONDS": f"{pause[0]},{pause[1]}",
                             "BENCH_FIRST_CITIZEN": str(first_number)})
    args = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", base_url,
            "--users", str(citizens), "--spawn-rate", str(citizens), "--run-time", "180s",
            "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING"]
    with (logs / "locust.log").open("ab") as log:
        subprocess.run(args, cwd=PROJECT, env=environ,  # noqa: S603 - our own locust command
                       stdout=log, stderr=subprocess.STDOUT, timeout=300, check=False)
    if not out.exists():
        raise RuntimeError(f"locust wrote no result; see {logs / 'locust.log'}")
    stats_file = Path(f"{out}.stats")
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {"failures": -1}
    return {**json.loads(out.read_text()), "request_failures": stats["failures"]}


def check_database(connection: sa.Connection, run: str) -> dict[str, int]:
    """Per citizen: cases about them, their submissions, and each submission's messages."""
    query = sa.text("""
        SELECT p.id,
               (SELECT count(*) FROM "case" c WHERE c.subject_person_id = p.id) AS cases,
               (SELECT count(*) FROM submission s WHERE s.submitted_by_person_id = p.id)
                 AS submissions,
               (SELECT count(*) FROM outbox_message o JOIN submission s
                  ON o.submission_id = s.id WHERE s.submitted_by_person_id = p.id) AS messages
        FROM person p WHERE p.name LIKE :pattern""")
    rows = connection.execute(query, {"pattern": f"{run} citizen %"}).all()
    return {
        "citizens": len(rows),
        "exactly_one_case": sum(row.cases == 1 for row in rows),
        "exactly_one_submission": sum(row.submissions == 1 for row in rows),
        "one_message_per_submission": sum(row.messages == row.submissions == 1 for row in rows),
    }


def run_submit(testid_url: str, api_url: str, token: str, engine: sa.Engine, citizens: int,
               logs: Path, pause: tuple[float, float] = NO_PAUSE,
               first_number: int = 1000) -> SubmitResult:
    """``citizens`` people (numbered from ``first_number``: their identity numbers) apply."""
    run = f"bench-{os.getpid()}-{int(time.time())}-{first_number}"
    probe = QueueProbe(api_url, token)
    probe.start()
    try:
        outcome = run_locust(testid_url, citizens, run, logs / f"locust-{first_number}.json",
                             logs, production_url=api_url, pause=pause,
                             first_number=first_number)
        deadline = time.monotonic() + 5  # let the probe see the last submissions
        references = {c["reference"] for c in outcome["citizens"]}
        while not references <= set(probe.seen) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        probe.stop.set()
        probe.join(10)
    with engine.connect() as connection:
        checks = check_database(connection, run)
    return SubmitResult(outcome["citizens"], outcome["failures"], outcome["request_failures"],
                        checks, dict(probe.seen))


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def figures(paced: SubmitResult, unpaced: SubmitResult | None, citizens: int):
    """The goals are for citizens who pause as people do; the run without pauses is shown
    beside them (no goal) to show what saturation costs."""
    from bench.table import Figure, Goal

    pause = f"pausing {PAUSE[0]:g}–{PAUSE[1]:g} s before each request"
    rows = [
        Figure("submit", f"final POST p95 ({citizens} concurrent citizens, {pause})",
               percentile(paced.submit_ms(), 0.95), "ms", Goal("<=", 50),
               note=_spread(paced.submit_ms(), "ms") + "; logged in on the TestID server "
                    "(development profile, same database and keys), then every step and the "
                    "final POST on the production server"),
        *_checks(paced, citizens, pause),
        Figure("queue", "submit → leased by a polling consumer (max)",
               _most_leasable(paced, citizens), "s", Goal("<=", 1.0),
               note=_spread(paced.to_leasable(), "s") + f"; seen {len(paced.to_leasable())} of "
                    f"{citizens}; the consumer polls every {POLL_SECONDS * 1000:g} ms; "
                    f"citizens {pause}"),
    ]
    if unpaced is not None:
        rows += [
            Figure("submit", f"final POST p95 ({citizens} citizens, no pause: a saturated "
                             "server)", percentile(unpaced.submit_ms(), 0.95), "ms",
                   note=_spread(unpaced.submit_ms(), "ms") + "; every citizen sends its next "
                        "request as soon as the last is answered: a stress figure for sizing"),
            *_checks(unpaced, citizens, "no pause"),
            Figure("queue", "submit → leased by a polling consumer, saturated server (max)",
                   _most_leasable(unpaced, citizens), "s",
                   note=_spread(unpaced.to_leasable(), "s") + "; the consumer's own requests "
                        "wait behind the citizens'"),
        ]
    return rows


def _checks(result: SubmitResult, citizens: int, how: str):
    from bench.table import Figure, Goal

    errors = len(result.failures) + max(result.request_failures, 0)
    checks = result.checks
    return [
        Figure("submit", f"errors (failed requests or citizens), {how}", errors, "count",
               Goal("==", 0), note="; ".join(result.failures[:3])),
        Figure("submit", f"citizens with exactly one case, {how}", checks["exactly_one_case"],
               "count", Goal("==", citizens), note=f"{checks['citizens']} citizens in the "
                                                    "database"),
        Figure("submit", f"submissions with exactly one outbox message, {how}",
               checks["one_message_per_submission"], "count", Goal("==", citizens)),
    ]


def _most_leasable(result: SubmitResult, citizens: int) -> float | None:
    leasable = result.to_leasable()
    return max(leasable) if len(leasable) == citizens else None


def _spread(values: list[float], unit: str) -> str:
    if not values:
        return "no values"
    return (f"min {min(values):.3g}, median {statistics.median(values):.3g}, "
            f"max {max(values):.3g} {unit} (n={len(values)})")
