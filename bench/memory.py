"""Web memory: resident memory of the gunicorn workers while they answer 10,000 requests.

Requests go round the start page, an information page and a logged-in form step; after every
thousand, each worker's RSS is read from /proc. The same count against the bare "hello" app
is the reference.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

import httpx

from bench.servers import Server, rss_mb


@dataclass
class MemoryResult:
    requests: int
    errors: int = 0
    samples: list[dict[int, float]] = field(default_factory=list)  # per thousand: pid → MB

    def final(self) -> float | None:
        return max(self.samples[-1].values()) if self.samples else None

    def growth(self) -> float | None:
        """The largest growth of any worker from the first thousand to the last."""
        if len(self.samples) < 2:
            return None
        first, last = self.samples[0], self.samples[-1]
        return max(last[pid] - first[pid] for pid in last if pid in first)


def drive(server: Server, paths: list[str], requests: int, headers: dict | None = None,
          threads: int = 4, sample_every: int = 1000) -> MemoryResult:
    result = MemoryResult(requests)
    for _done in range(0, requests, sample_every):
        count = min(sample_every, requests - _done)
        result.errors += _send(server.base_url, paths, count, headers or {}, threads)
        result.samples.append({pid: rss_mb(pid) for pid in server.worker_pids()})
    return result


def _send(base_url: str, paths: list[str], count: int, headers: dict, threads: int) -> int:
    cycle = itertools.cycle(paths)
    lock = threading.Lock()
    left = [count]
    errors = [0]

    def work() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            while True:
                with lock:
                    if left[0] == 0:
                        return
                    left[0] -= 1
                    path = next(cycle)
                if client.get(path).status_code >= 400:
                    with lock:
                        errors[0] += 1

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors[0]


def figures(portal: MemoryResult, hello: MemoryResult):
    from bench.table import Figure, Goal

    trail = "; ".join(" → ".join(f"{sample[pid]:.0f}" for sample in portal.samples
                                 if pid in sample) for pid in portal.samples[-1])
    return [
        Figure("memory", f"web worker RSS after {portal.requests:,} requests", portal.final(),
               "MB", Goal("<=", 150), hello.final(), "hello worker",
               note=f"each worker after each thousand: {trail} MB; "
                    f"{portal.errors} errors"),
        Figure("memory", "web worker RSS growth, first → last thousand", portal.growth(), "MB",
               Goal("<=", 2.0), hello.growth(), "hello worker",
               note="≤ 2 MB counts as no growth (allocator noise)"),
    ]
