"""Start the whole test run at a chosen moment: ``PORTAL_TEST_CLOCK``.

``23:30`` means the next 23:30 UTC (the hour when the server's date and Norway's differ);
a full ISO 8601 moment (``2026-12-31T23:30:00+00:00``) means that moment. The clock then
moves on in real time (time-machine with ``tick``), so timeouts and waits behave as usual.
A moment in the future is best: Chromium, which keeps the real time, then never sees a
cookie that expired before it was set.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from portal import clock

# The moments when a server's UTC date and Norway's date part ways: 23:30 UTC on an ordinary
# night, on New Year's Eve, the nights summer time begins and ends, and the eve of 29 February.
# (the moment, as UTC; the date it already is in Norway)
DANGEROUS_MOMENTS = {
    "ordinary night": (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), date(2026, 12, 2)),
    "new year's eve": (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
    "summer time begins": (datetime(2027, 3, 27, 23, 30, tzinfo=UTC), date(2027, 3, 28)),
    "summer time ends": (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), date(2027, 10, 31)),
    "leap day": (datetime(2028, 2, 28, 23, 30, tzinfo=UTC), date(2028, 2, 29)),
}
moments = pytest.mark.parametrize(("moment", "norway_day"), DANGEROUS_MOMENTS.values(),
                                  ids=DANGEROUS_MOMENTS.keys())


def moment_named(setting: str, now: datetime | None = None) -> datetime | None:
    """The moment ``setting`` names, or None for the real clock."""
    setting = setting.strip()
    if not setting:
        return None
    if "T" in setting:
        moment = datetime.fromisoformat(setting)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    hour, minute = (int(part) for part in setting.split(":"))
    now = now or clock.utcnow()
    moment = datetime.combine(now.date(), time(hour, minute), tzinfo=UTC)
    return moment if moment > now else moment + timedelta(days=1)


def start_test_clock(setting: str) -> datetime | None:
    moment = moment_named(setting)
    if moment is not None:
        time_machine.travel(moment, tick=True).start()  # for the whole run; never stopped
    return moment
