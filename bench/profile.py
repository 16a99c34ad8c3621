"""``python -m bench.profile throughput|submit|queue OUTDIR``: the bench's own load, with py-spy
attached to the gunicorn master (``--subprocesses``) of the server under load. py-spy samples
only the thread that holds the interpreter lock (``--gil``): the shares are of the Python time
that the worker's threads queue for, not of time a thread waits in libpq or on a socket.

Writes one raw (collapsed-stack) py-spy file per load to OUTDIR; summarise with
``python -m bench.profile summary FILE``. The servers log every request's time (``%(D)s`` µs)
to OUTDIR/<name>-access.log.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import citizen, databases, servers
from bench.table import say


@contextmanager
def spy(server: servers.Server, out: Path, rate: int = 100):
    args = [str(servers.BIN / "py-spy"), "record", "--subprocesses", "--gil", "--format", "raw",
            "--rate", str(rate), "-o", str(out), "-p", str(server.process.pid)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL,  # noqa: S603 - py-spy
                               stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        yield
    finally:
        process.send_signal(2)  # SIGINT: py-spy writes its file and stops
        process.wait(30)


def logged(environ: dict[str, str], out: Path, name: str) -> dict[str, str]:
    log = out / f"{name}-access.log"
    return {**environ, "GUNICORN_CMD_ARGS":
            f"--access-logfile {log} --access-logformat '%(m)s %(U)s %(s)s %(D)s'"}


def main() -> None:
    from bench import sections

    mode, out = sys.argv[1], Path(sys.argv[2])
    if mode == "summary":
        summary(out)
        return
    out.mkdir(parents=True, exist_ok=True)
    keys = servers.Keys.new()
    production = logged(servers.production_environ(databases.BENCH_URL, keys), out, "portal")
    logs = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    testid = logged(servers.testid_environ(databases.BENCH_URL, keys, logs / "mail"), out,
                    "testid")
    databases.reset_database(databases.BENCH_URL)
    engine = databases.engine_for(databases.BENCH_URL)
    args = argparse.Namespace(citizens=20, messages=10_000, rounds=1, seconds=12.0)
    with ExitStack() as stack:
        run = sections.Run(args, keys, production, testid, engine, logs, sections.Report())
        run.servers["portal"] = stack.enter_context(
            servers.gunicorn("portal", "wsgi:app", production, logs))
        run.servers["testid"] = stack.enter_context(
            servers.gunicorn("testid", "wsgi:app", testid, logs))
        run.token = sections._api_token(run)
        if mode == "throughput":
            from bench.throughput import Target, run_wrk

            client = sections.logged_in_client(run, 2)
            step = citizen.apply(citizen.HttpxBrowser(client), sections.SLUG,
                                 send=False).step_paths[1]
            cookie = sections.production_cookie(client)
            portal = run.servers["portal"].base_url
            for name, target in (("start", Target("start", f"{portal}/{sections.SLUG}/")),
                                 ("step", Target("step", portal + step,
                                                 (f"Cookie: {cookie}",)))):
                run_wrk(target, 1)
                with spy(run.servers["portal"], out / f"{name}.txt"):
                    result = run_wrk(target, args.seconds)
                say(f"{name} {result.per_second:.0f} req/s under py-spy")
        elif mode == "submit":
            from bench.submit import run_submit

            with spy(run.servers["testid"], out / "submit.txt"):
                result = run_submit(run.servers["testid"].base_url,
                                    run.servers["portal"].base_url, run.token, engine,
                                    args.citizens, logs)
            say(f"submit ms {[round(t) for t in result.submit_ms()]}")
        elif mode == "queue":
            from bench.queue_load import make_template_receipt, run_consumers, seed_messages

            sections._ensure_a_submission(run, running=True)
            make_template_receipt(production)
            seed_messages(engine, keys.data_keys(), args.messages)
            with spy(run.servers["portal"], out / "queue.txt"):
                result = run_consumers(run.servers["portal"].base_url, run.token,
                                       args.messages)
            say(f"queue {result.per_second:.0f} msg/s under py-spy")
    engine.dispose()


IDLE = ("_worker (", "EpollSelector.select (", "Connection.wait (", "Condition.wait (")


def summary(path: Path, top: int = 12) -> None:
    """Own and cumulative time per function as shares of the workers' busy samples (the
    master, threads waiting for work or in epoll are left out; waiting on PostgreSQL,
    ``Connection.wait``, is counted apart)."""
    own: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    busy = idle = database = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not frames or "Arbiter.run" in stack:
            continue
        n = int(count)
        if frames[-1].startswith(IDLE[2]):
            database += n
        if frames[-1].startswith(IDLE):
            idle += n
            continue
        busy += n
        frames = [_short(frame) for frame in frames]
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    say(f"{path}: {busy} busy samples; {idle} idle (of which {database} waiting on "
        "PostgreSQL)")
    for title, counter in (("own", own), ("cumulative", total)):
        say(f"  {title}:")
        for frame, n in counter.most_common(top):
            say(f"    {100 * n / busy:5.1f}%  {frame}")


def _short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    file = where.rsplit(":", 1)[0]
    return f"{name} ({'/'.join(file.split('/')[-2:])})"


if __name__ == "__main__":
    main()
