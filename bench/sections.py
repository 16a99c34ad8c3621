"""The sections of a run, in order, each adding its figures to the report.

A section that fails is reported as failed (with the error in the notes) and the run goes on:
a benchmark that stops at the first problem hides every figure after it.
"""

from __future__ import annotations

import argparse
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench import citizen, servers
from bench.table import Figure, Goal, Report, say

SLUG = "eksempel"


@dataclass
class Run:
    args: argparse.Namespace
    keys: servers.Keys
    production: dict[str, str]
    testid: dict[str, str]
    engine: sa.Engine
    logs: Path
    report: Report
    appendix: str = ""
    servers: dict[str, servers.Server] = field(default_factory=dict)
    token: str = ""

    def section(self, name: str) -> bool:
        return name in self.args.sections


def run_all(run: Run, stack: ExitStack) -> None:
    run.servers["hello"] = stack.enter_context(
        servers.gunicorn("hello", "bench.hello:app", {}, run.logs))
    run.servers["portal"] = stack.enter_context(
        servers.gunicorn("portal", "wsgi:app", run.production, run.logs))
    run.servers["testid"] = stack.enter_context(
        servers.gunicorn("testid", "wsgi:app", run.testid, run.logs))
    run.token = _api_token(run)
    for name, section in (("weight", page_weight), ("submit", submit),
                          ("throughput", throughput), ("queue", queue)):
        if run.section(name):
            if name == "queue":
                _ensure_a_submission(run, running=True)  # e.g. --only queue
            _guarded(run, name, section)
    stack.close()  # the next sections start their own, fresh processes
    _ensure_a_submission(run)
    for name, section in (("memory", memory), ("receipts", receipts), ("scale", scale)):
        if run.section(name):
            _guarded(run, name, section)


def _guarded(run: Run, name: str, section) -> None:
    say(f"bench: {name} …")
    try:
        section(run)
    except Exception as error:  # reported, and the other sections still run
        traceback.print_exc()
        run.report.add(Figure(name, "section failed", None, "", Goal("==", 0),
                              note=f"{type(error).__name__}: {error}"))


def _api_token(run: Run) -> str:
    from bench.queue_load import api_token

    with run.engine.connect() as connection:
        municipality_id = connection.scalar(
            sa.text("SELECT id FROM municipality WHERE slug = :slug"), {"slug": SLUG})
    return api_token(run.engine, municipality_id)


def logged_in_client(run: Run, number: int) -> httpx.Client:
    client = httpx.Client(base_url=run.servers["testid"].base_url, timeout=30)
    citizen.log_in(citizen.HttpxBrowser(client), citizen.synthetic_nin(number),
                   f"bench helper {number}", SLUG)
    return client


def production_cookie(client: httpx.Client) -> str:
    """The TestID server's session, as the production server reads it: under the name
    production gives its cookie (``__Host-portal_session``, portal/config.py). Sent as
    ``portal_session`` it was not read, and every logged-in request was a redirect to the
    login page."""
    from portal.config import profile_defaults

    name = profile_defaults("production", servers.PROJECT / "instance")["SESSION_COOKIE_NAME"]
    return f"{name}={client.cookies['portal_session']}"


def _ensure_a_submission(run: Run, *, running: bool = False) -> None:
    """Queue and receipts copy a real submission; make one if the submit section did not
    (through the running TestID server, or one started for it)."""
    with run.engine.connect() as connection:
        if connection.scalar(sa.text("SELECT count(*) FROM submission")):
            return
    if running:
        citizen.apply(citizen.HttpxBrowser(logged_in_client(run, 90)), SLUG)
        return
    with servers.gunicorn("testid", "wsgi:app", run.testid, run.logs) as server:
        run.servers["testid"] = server
        citizen.apply(citizen.HttpxBrowser(logged_in_client(run, 90)), SLUG)


def page_weight(run: Run) -> None:
    from bench import reference, weight

    client = httpx.Client(base_url=run.servers["testid"].base_url, timeout=30)
    # Static files from the production server, as it serves them (WhiteNoise, compressed).
    shipped = httpx.Client(base_url=run.servers["portal"].base_url, timeout=30)

    def fetch(path: str) -> weight.Resource:
        response = shipped.get(
            path, headers={"Accept-Encoding": citizen.BROWSER_ACCEPT_ENCODING})
        response.raise_for_status()
        return weight.Resource(response.headers.get("content-type", ""), response.content,
                               citizen.http_wire_bytes(response.status_code,
                                                       response.headers.multi_items(),
                                                       response.num_bytes_downloaded))

    pages = weight.visit(citizen.HttpxBrowser(client), citizen.synthetic_nin(1), "bench weigh")
    weights, whole = weight.weigh_visit(pages, fetch)
    run.report.add(*weight_figures(weights, whole, reference.open_forms_sdk()))


def weight_figures(weights, whole, ref) -> list[Figure]:
    from bench.weight import breakdown

    rows = [Figure("page weight", f"{w.label}, first visit, headers included", w.without_fonts,
                   "B", Goal("<=", 25_000), note=breakdown(w)) for w in weights]
    rows.append(Figure("page weight", "whole journey (cache on), all kinds", whole.total, "B",
                       None, ref.wire_bytes, "Open Forms SDK JS, gzip",
                       note=f"{breakdown(whole)}; {len(weights)} pages; reference "
                            f"{ref.source}, {ref.raw_bytes / 1e6:.2f} MB before gzip"))
    rows.append(Figure("page weight", "scripts needed to send an application", 0, "count",
                       Goal("==", 0), note="the whole journey ran in an HTTP client that "
                       f"runs no script; {whole.sizes['script'] / 1e3:.1f} kB of optional "
                       "script (session-timeout warning) is downloaded when logged in"))
    return rows


def submit(run: Run) -> None:
    from bench.submit import PAUSE, figures, run_submit

    testid, portal = run.servers["testid"].base_url, run.servers["portal"].base_url
    citizens = run.args.citizens
    paced = run_submit(testid, portal, run.token, run.engine, citizens, run.logs, pause=PAUSE)
    unpaced = run_submit(testid, portal, run.token, run.engine, citizens, run.logs,
                         first_number=1000 + citizens)
    run.report.add(*figures(paced, unpaced, citizens))


def throughput(run: Run) -> None:
    from bench.throughput import Target, figures, take_turns

    client = logged_in_client(run, 2)
    step = citizen.apply(citizen.HttpxBrowser(client), SLUG, send=False).step_paths[1]
    cookie = production_cookie(client)
    portal = run.servers["portal"].base_url
    if httpx.get(portal + step, headers={"Cookie": cookie}).status_code != 200:
        raise RuntimeError("the production server does not accept the TestID session")
    targets = [Target("hello", run.servers["hello"].base_url + "/"),
               Target("start page", f"{portal}/{SLUG}/"),
               Target("information page", f"{portal}/{SLUG}/individuell-plan"),
               Target("form step", portal + step, (f"Cookie: {cookie}",))]
    results = take_turns(targets, run.args.rounds, run.args.seconds)
    run.report.add(*figures(results))
    run.report.notes.append(
        "throughput: the form step is GET …/hva of a draft, logged in with a TestID session "
        "made on the TestID server with the same keys and database; production serves it.")


def queue(run: Run) -> None:
    from bench.queue_load import (
        BATCH,
        figures,
        insert_commit_rate,
        make_template_receipt,
        run_consumers,
        seed_messages,
    )

    portal = run.servers["portal"].base_url
    make_template_receipt(run.production)
    growth = {}
    for consumers in (1, 2, 8):  # 4 is the headline figure below
        count = max(200, run.args.messages // 5)
        seed_messages(run.engine, run.keys.data_keys(), count)
        growth[consumers] = run_consumers(portal, run.token, count, consumers).per_second
    seed_messages(run.engine, run.keys.data_keys(), run.args.messages)
    result = run_consumers(portal, run.token, run.args.messages, 4)
    growth[4] = result.per_second
    single = insert_commit_rate(run.engine)
    batched = insert_commit_rate(run.engine, rows=100 * BATCH, batch=BATCH)
    run.report.add(*figures(result, single, batched, 4, growth))


def memory(run: Run) -> None:
    from bench.memory import drive, figures

    with servers.gunicorn("testid-memory", "wsgi:app", run.testid, run.logs) as testid:
        run.servers["testid"] = testid
        client = logged_in_client(run, 3)
        step = citizen.apply(citizen.HttpxBrowser(client), SLUG, send=False).step_paths[1]
        headers = {"Cookie": production_cookie(client)}
    paths = [f"/{SLUG}/", f"/{SLUG}/individuell-plan", step]
    with servers.gunicorn("portal-memory", "wsgi:app", run.production, run.logs) as portal:
        measured = drive(portal, paths, run.args.requests, headers)
    with servers.gunicorn("hello-memory", "bench.hello:app", {}, run.logs) as hello:
        reference = drive(hello, ["/"], run.args.requests)
    run.report.add(*figures(measured, reference))


def receipts(run: Run) -> None:
    from bench.receipts_load import (
        figures,
        idle_worker_rss,
        page_growth,
        page_growth_figures,
        run_worker_until_done,
        seed_receipt_tasks,
    )

    idle = idle_worker_rss(run.production, run.engine, run.logs)  # nothing to do
    submission_ids = seed_receipt_tasks(run.engine, run.keys.data_keys(), run.args.pdfs)
    result = run_worker_until_done(run.production, run.engine, submission_ids, run.logs)
    run.report.add(*figures(result, idle))
    run.report.add(*page_growth_figures(page_growth(run.production)))


def scale(run: Run) -> None:
    from bench import scale as scale_bench
    from bench.databases import SCALE_URL
    from bench.generate import ensure_scale

    by_size, generated = {}, []
    for cases in sorted({*GROWTH_CASES, run.args.scale_cases}):
        if cases > run.args.scale_cases:
            continue
        url = SCALE_URL if cases == run.args.scale_cases else f"{SCALE_URL}_{cases}"
        engine, made = ensure_scale(cases, url)
        generated += [f"{cases:,}"] if made else []
        before, after, created = _scale_at(run, scale_bench, engine, url)
        by_size[cases] = before
    run.report.add(*scale_bench.figures(before, after, run.args.scale_cases))
    run.report.add(*scale_bench.growth_figures(by_size))
    run.report.notes.append(
        f"scale: {', '.join(f'{n:,}' for n in by_size)} cases over 357 municipalities, with "
        f"about 2.4 case events per case (generated in this run: {', '.join(generated) or 'none'}"
        f"; the others reused); indexes created for a comparison and dropped again: "
        f"{', '.join(created) or 'none (no index proposed)'}")
    run.appendix = "Query plans (slowest call of each query):\n\n" + scale_bench.plans_text(
        before, after)


GROWTH_CASES = (10_000, 100_000)


def _scale_at(run: Run, scale_bench, engine, url: str):
    from portal import create_app
    from portal.db import get_db

    app = create_app({"DATABASE_URL": url}, environ=run.production)
    after, created = None, []
    try:
        before = scale_bench.measure(engine, app)
        if scale_bench.PROPOSED_INDEXES:
            with scale_bench.proposed_indexes(engine) as created:
                after = scale_bench.measure(engine, app)
    finally:
        get_db(app).engine.dispose()
        engine.dispose()
    return before, after, created
