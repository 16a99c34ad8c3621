"""Page throughput with wrk: the portal's pages next to a bare Flask "hello" endpoint.

The targets take turns (hello, start page, form step, hello, …) for several short rounds, so
that a noisy neighbour on the shared machine hits every target alike; each figure is the
median of its rounds.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    socket_errors: int
    bad_status: int  # not 200: a redirect (to the login page) is a failure too
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (make bench does this as root)")
    return found


def run_wrk(target: Target, seconds: float, connections: int = 8, threads: int = 2) -> WrkResult:
    args = [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout",
            "10s", "-s", str(WRK_SCRIPT)]
    for header in target.headers:
        args += ["-H", header]
    output = subprocess.run([*args, target.url],  # noqa: S603 - wrk, local URLs
                            check=True, capture_output=True, text=True,
                            timeout=seconds + 60).stdout
    line = next(line for line in reversed(output.splitlines()) if line.startswith("{"))
    return parse_wrk(json.loads(line))


def parse_wrk(data: dict) -> WrkResult:
    return WrkResult(
        requests=data["requests"], seconds=data["duration_us"] / 1e6,
        socket_errors=data["socket_errors"],
        bad_status=max(data["non_2xx_3xx"], data.get("not_200", 0)),
        p50_ms=data["p50_us"] / 1e3, p95_ms=data["p95_us"] / 1e3, p99_ms=data["p99_us"] / 1e3,
    )


def take_turns(targets: list[Target], rounds: int, seconds: float,
               warm_up: float = 1.0) -> dict[str, list[WrkResult]]:
    for target in targets:  # load templates, fill connection pools
        run_wrk(target, warm_up)
    results: dict[str, list[WrkResult]] = {target.name: [] for target in targets}
    for _ in range(rounds):
        for target in targets:
            results[target.name].append(run_wrk(target, seconds))
    return results


def median_result(runs: list[WrkResult]) -> WrkResult:
    """Each field's median over the rounds; errors are summed, never hidden."""
    return WrkResult(
        requests=round(statistics.median(r.requests for r in runs)),
        seconds=statistics.median(r.seconds for r in runs),
        socket_errors=sum(r.socket_errors for r in runs),
        bad_status=sum(r.bad_status for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p95_ms=statistics.median(r.p95_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
    )


def figures(results: dict[str, list[WrkResult]], reference: str = "hello"):
    from bench.table import Figure, Goal

    base = median_result(results[reference])
    rows = [Figure("throughput", "bare Flask hello (reference)", base.per_second, "req/s",
                   note=_note(base, results[reference]))]
    for name, runs in results.items():
        if name == reference:
            continue
        result = median_result(runs)
        rows.append(Figure("throughput", f"{name}: requests/s", result.per_second, "req/s",
                           Goal(">=", RATIO_GOALS.get(name, 0.3), on="ratio"), base.per_second,
                           "hello", note=_note(result, runs)))
        rows.append(Figure("throughput", f"{name}: errors (not 200, socket)",
                           result.socket_errors + result.bad_status, "count", Goal("==", 0)))
        for percentile in ("p50", "p95", "p99"):
            rows.append(Figure("throughput", f"{name}: latency {percentile}",
                               getattr(result, f"{percentile}_ms"), "ms", None,
                               getattr(base, f"{percentile}_ms"), "hello"))
    return rows


# Issue 18: public pages at least 0.3 of the bare Flask endpoint, a logged-in form step 0.15.
RATIO_GOALS = {"start page": 0.3, "information page": 0.3, "form step": 0.15}


def _note(result: WrkResult, runs: list[WrkResult]) -> str:
    rates = ", ".join(f"{run.per_second:,.0f}" for run in runs)
    errors = result.socket_errors + result.bad_status
    return f"rounds {rates} req/s; {errors} errors or answers other than 200"
