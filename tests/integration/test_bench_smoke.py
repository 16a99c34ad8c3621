"""The benchmark harness (bench/) on tiny numbers, so that `make test` keeps it working.

Benchmarks never fail the test suite: nothing here compares a figure with its goal. These
tests check that the harness measures what it says: a citizen's whole journey without
script, the page weight of each kind of resource, the database checks after sending, copies
of a submission in the back-office queue, and the table and its JSON.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from bench import citizen, seed, weight
from bench.generate import MUNICIPALITIES, status_case, zipf_thresholds
from bench.submit import check_database, percentile
from bench.table import Figure, Goal, Report, render, write_json
from bench.throughput import WRK_SCRIPT, WrkResult, figures, parse_wrk
from portal.api.clients import create_client
from portal.applications.receipts import store_receipt
from portal.identity.crypto import data_keys


@pytest.fixture(autouse=True)
def _sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the smoke test runs the harness in-process on SQLite; make bench uses "
                    "PostgreSQL")


def fetch_with(client):
    def fetch(path: str) -> weight.Resource:
        response = client.get(path, headers={"Accept-Encoding": citizen.BROWSER_ACCEPT_ENCODING})
        assert response.status_code == 200, path
        sent = response.get_data()
        body = citizen.decoded(sent, response.headers.get("Content-Encoding", ""))
        return weight.Resource(response.content_type, body, citizen.http_wire_bytes(
            response.status_code, response.headers.items(), len(sent)))

    return fetch


def test_page_weight_counts_each_kind_of_resource_of_a_first_visit(client):
    pages = weight.visit(citizen.FlaskBrowser(client), citizen.synthetic_nin(1), "Smoke Weigh")
    weights, whole = weight.weigh_visit(pages, fetch_with(client))

    labels = [w.label for w in weights]
    assert labels[:4] == ["start page", "information page", "application intro",
                          "log in (TestID)"]
    assert "check your answers" in labels
    assert labels[-1] == "receipt"
    for page in weights:
        assert page.sizes["html"] > 300  # at least the headers of the response
        assert page.sizes["image"] > 0  # the favicon it links
        assert page.sizes["css"] > 0
        assert page.sizes["font"] == 0  # the portal ships no web fonts
        assert page.without_fonts == page.total - page.sizes["font"]
    assert whole.sizes["css"] == weights[0].sizes["css"]  # cached: each style sheet once
    assert whole.sizes["html"] == sum(page.sizes["html"] for page in weights)
    assert whole.total < sum(page.total for page in weights)


def test_what_is_counted_is_what_the_server_sent_headers_included():
    headers = [("Content-Type", "text/css"), ("Content-Length", "100")]
    # "HTTP/1.1 200 XX\r\n" 17, two header lines 24 + 21, the blank line 2, the body 100
    assert citizen.http_wire_bytes(200, headers, 100) == 17 + 24 + 21 + 2 + 100
    assert weight.category("/static/x.woff2", "application/octet-stream") == "font"
    assert weight.css_resources('@import "a.css"; b { background: url(data:x) url(/i.svg) }',
                                "http://localhost/static/s.css") == [
        "http://localhost/static/a.css", "http://localhost/i.svg"]


def test_each_citizen_is_checked_for_one_case_and_one_message(client, connection):
    browser = citizen.FlaskBrowser(client)
    citizen.log_in(browser, citizen.synthetic_nin(7), "smoke-run citizen 7")
    application = citizen.apply(browser)

    assert re.fullmatch(r"IP-\d{4}-\w{4}-\w{2}", application.reference)
    assert application.submit_seconds > 0
    assert check_database(connection, "smoke-run") == {
        "citizens": 1, "exactly_one_case": 1, "exactly_one_submission": 1,
        "one_message_per_submission": 1}


class FakeClock:
    """bench.citizen's clock, which only a citizen's pause moves (by a long minute)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def time(self) -> float:
        return self.now

    perf_counter = time


class PausingBrowser(citizen.FlaskBrowser):
    """A virtual citizen who pauses before the final POST, as bench/locustfile.py's do."""

    def __init__(self, client, clock: FakeClock) -> None:
        super().__init__(client)
        self.clock = clock
        self.pauses = 0

    def pause(self) -> None:
        self.clock.now += 100
        self.pauses += 1


def test_a_citizens_pause_comes_before_the_timed_final_post(client, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(citizen, "time", clock)
    browser = PausingBrowser(client, clock)
    citizen.log_in(browser, citizen.synthetic_nin(9), "smoke pause")
    application = citizen.apply(browser)

    assert browser.pauses == 1
    assert application.submit_seconds == 0  # the pause is not in the timed POST
    assert application.submit_started == 1_100  # the submission starts after it


def test_copies_of_a_submission_wait_in_the_queue_api_each_with_its_receipt(client, db_session):
    browser = citizen.FlaskBrowser(client)
    citizen.log_in(browser, citizen.synthetic_nin(8), "smoke copies")
    citizen.apply(browser)
    template = seed.template_submission(db_session)
    with client.application.app_context():
        keys = data_keys()
        store_receipt(db_session, template.id, b"%PDF-1.7 the template's receipt")
    pairs = seed.copy_submissions(db_session, keys, template, 3, "IP-T")
    seed.copy_receipts(db_session, keys, template, pairs)
    seed.add_outbox_messages(db_session, template.municipality_id, template.kind, pairs)
    _, token = create_client(db_session, municipality_id=template.municipality_id,
                             name="smoke", scopes=["queue"])
    db_session.commit()

    leased = client.post("/api/v1/queue/lease", json={"max_messages": 10},
                         headers={"Authorization": f"Bearer {token}"}).get_json()["messages"]
    assert len(leased) == 4  # the application sent here, and its three copies
    assert {m["submission"]["payload_sha256"] for m in leased} == {template.payload_sha256}
    # A back office fetches each one's receipt before it acknowledges (bench/queue_load.py).
    taken = client.post("/api/v1/submissions/receipts",
                        headers={"Authorization": f"Bearer {token}"},
                        json={"submission_ids": [m["submission"]["id"] for m in leased]})
    assert {base64.b64decode(r["pdf_base64"]) for r in taken.get_json()["receipts"]} == {
        b"%PDF-1.7 the template's receipt"}
    assert len(taken.get_json()["receipts"]) == 4


def test_the_table_is_printed_and_written_as_json(tmp_path):
    report = Report()
    report.add(
        Figure("throughput", "page", 300, "req/s", Goal(">=", 0.6, on="ratio"), 1000, "hello"),
        Figure("weight", "page", 30_000, "B", Goal("<=", 40_000)),
        Figure("queue", "messages", None, "msg/s", Goal(">=", 2000)),
        Figure("scale", "info only", 1.5, "ms", note="a note"),
    )
    path = write_json(report, tmp_path)

    saved = json.loads(path.read_text())
    assert [f["verdict"] for f in saved["figures"]] == ["MISSED", "met", "not run", "info"]
    assert saved["figures"][0]["ratio"] == pytest.approx(0.3)
    assert saved["missed"] == ["page"]
    assert json.loads((tmp_path / "latest.json").read_text()) == saved
    table = render(report)
    assert table.splitlines()[0].split(" | ")[0].strip() == "measure"
    assert "≥ 0.6 × ref" in table
    assert "30.0 kB" in table
    assert "a note" in table


def test_wrk_results_become_figures_against_the_bare_endpoint():
    keys = set(re.findall(r'"(\w+)":%d', WRK_SCRIPT.read_text()))
    line = dict.fromkeys(keys, 1000) | {"requests": 5000, "duration_us": 5_000_000}
    assert parse_wrk(line).per_second == 1000

    def result(rate: int) -> WrkResult:
        return WrkResult(rate, 1.0, 0, 0, 1.0, 2.0, 3.0)

    rows = figures({"hello": [result(1000), result(1200)], "page": [result(700), result(500)]})
    throughput = rows[1]
    assert throughput.reference == 1100  # the median of the rounds
    assert throughput.value == 600
    assert throughput.verdict == "met"  # 0.545 of the bare endpoint, the goal 0.3
    assert rows[2].measure == "page: errors (not 200, socket)"


def test_a_redirect_counts_as_an_error_in_the_wrk_figures():
    line = {"requests": 100, "duration_us": 1_000_000, "socket_errors": 0, "non_2xx_3xx": 0,
            "not_200": 7, "p50_us": 1, "p95_us": 2, "p99_us": 3}
    assert parse_wrk(line).bad_status == 7


def test_the_generator_spreads_cases_like_norway():
    bounds = zipf_thresholds(MUNICIPALITIES)
    assert bounds[0] == 0
    assert bounds == sorted(bounds)
    assert 0.13 < bounds[1] < 0.17  # the largest municipality has about 15 %
    assert "THEN 'SUBMITTED'" in status_case("x")
    assert percentile([float(n) for n in range(1, 21)], 0.95) == 19
