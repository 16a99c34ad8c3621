"""One clock: nothing under portal/ or tests/ reads the system's time but portal/clock.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.clock import moment_named

pytestmark = pytest.mark.dates  # run again at 23:30 UTC by make test

ROOT = Path(__file__).resolve().parents[2]
# The calls that read the machine's clock or its local time zone. ruff's banned-api rule
# (TID251, pyproject.toml) refuses the same names when they are imported another way.
SYSTEM_CLOCK = re.compile(
    r"\b(?:date|datetime)\s*\.\s*(?:today|now|utcnow)\s*\("
    r"|\btime\s*\.\s*(?:time|localtime)\s*\("
    r"|\bfrom\s+time\s+import\s+[^\n]*\btime\b"
    r"|ZoneInfo\(\s*[\"']Europe/Oslo[\"']\s*\)")
ALLOWED = {ROOT / "portal" / "clock.py"}


def python_files():
    for folder in ("portal", "tests"):
        yield from (path for path in (ROOT / folder).rglob("*.py") if path not in ALLOWED)


def test_nothing_but_the_clock_reads_the_system_clock():
    found = [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: "
             f"{match.group(0)}"
             for path in python_files()
             for text in [path.read_text(encoding="utf-8")]
             for match in SYSTEM_CLOCK.finditer(text)
             if path != Path(__file__)]
    assert found == []


def test_the_pattern_finds_each_way_of_reading_the_clock():
    for line in ("date.today()", "datetime.now(UTC)", "datetime.datetime.utcnow()",
                 "time.time()", "from time import sleep, time", 'ZoneInfo("Europe/Oslo")'):
        assert SYSTEM_CLOCK.search(line), line
    assert not SYSTEM_CLOCK.search("clock.today() and clock.utcnow() and time.monotonic()")


@pytest.mark.parametrize(("setting", "now", "expected"), [
    ("23:30", datetime(2026, 12, 1, 10, tzinfo=UTC), datetime(2026, 12, 1, 23, 30, tzinfo=UTC)),
    ("23:30", datetime(2026, 12, 1, 23, 45, tzinfo=UTC), datetime(2026, 12, 2, 23, 30,
                                                                  tzinfo=UTC)),
    ("2026-12-31T23:30:00+00:00", None, datetime(2026, 12, 31, 23, 30, tzinfo=UTC)),
    ("", None, None),
])
def test_the_test_run_can_start_at_a_chosen_moment(setting, now, expected):
    assert moment_named(setting, now) == expected
