"""``python -m bench``: measure everything, print one table, write it as JSON.

    make bench                        # the full run (a million cases, 10,000 messages …)
    make bench BENCH_ARGS=--quick     # small numbers, a few minutes
    .venv/bin/python -m bench --only weight,throughput

Sections: weight, submit, throughput, queue, memory, receipts, scale (submit makes the
submissions that queue and receipts copy; without it they copy one made on the spot).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import databases, servers
from bench.table import Report, render, say, write_json

SECTIONS = ("weight", "submit", "throughput", "queue", "memory", "receipts", "scale")
FULL = {"citizens": 20, "messages": 10_000, "requests": 10_000, "pdfs": 1_000,
        "scale_cases": 1_000_000, "rounds": 5, "seconds": 5.0}
QUICK = {"citizens": 20, "messages": 1_000, "requests": 2_000, "pdfs": 100,
         "scale_cases": 100_000, "rounds": 1, "seconds": 2.0}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small numbers (a few minutes)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections: {', '.join(SECTIONS)}")
    for name, value in FULL.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=None)
    parsed = parser.parse_args()
    sizes = QUICK if parsed.quick else FULL
    for name, value in sizes.items():
        if getattr(parsed, name) is None:
            setattr(parsed, name, value)
    parsed.sections = [s.strip() for s in parsed.only.split(",") if s.strip()]
    unknown = set(parsed.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return parsed


def check_production_settings(environ: dict[str, str]) -> None:
    """Fail early, naming the setting, if the production profile would refuse to start."""
    from portal.config import PROJECT_ROOT, UnsafeConfigurationError, load_settings

    try:
        load_settings(environ, PROJECT_ROOT / "instance")
    except UnsafeConfigurationError as error:
        raise SystemExit(f"bench: the production environment is refused:\n{error}") from None


def describe_machine(report: Report, args: argparse.Namespace, engine) -> None:
    commit = subprocess.run(["git", "describe", "--always", "--dirty"],  # noqa: S607 - git on PATH
                            cwd=servers.PROJECT, capture_output=True, text=True,
                            check=False).stdout.strip()
    report.settings = {
        "sections": args.sections, "quick": args.quick,
        **{name: getattr(args, name) for name in FULL},
        "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(), "postgresql": databases.server_version(engine),
        "commit": commit or "unknown", "gunicorn": " ".join(servers.GUNICORN_ARGS),
    }
    report.notes.append(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; PostgreSQL "
        f"{report.settings['postgresql']}; commit {report.settings['commit']}; gunicorn "
        f"{report.settings['gunicorn']}; the load generators share the machine with the "
        "servers, as the references do.")


def main() -> None:
    from bench import sections

    args = arguments()
    keys = servers.Keys.new()
    production = servers.production_environ(databases.BENCH_URL, keys)
    check_production_settings(production)
    logs = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    report = Report()
    say(f"bench: resetting the database {databases.database_name(databases.BENCH_URL)} …")
    databases.reset_database(databases.BENCH_URL)
    engine = databases.engine_for(databases.BENCH_URL)
    describe_machine(report, args, engine)
    run = sections.Run(args, keys, production, servers.testid_environ(
        databases.BENCH_URL, keys, logs / "mail"), engine, logs, report)
    started = time.perf_counter()
    try:
        with ExitStack() as stack:
            sections.run_all(run, stack)
    finally:
        report.notes.append(f"took {time.perf_counter() - started:.0f} s; load average "
                            f"{os.getloadavg()[0]:.2f} at the end; server logs in {logs}")
        engine.dispose()
        say("\n" + render(report))
        if run.appendix:
            say("\n" + run.appendix)
        report.settings["plans"] = run.appendix
        say(f"\nbench: wrote {write_json(report)}")


if __name__ == "__main__":
    main()
