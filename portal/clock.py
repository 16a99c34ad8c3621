"""The portal's one clock: the moment in UTC, and the date as it is in Norway.

Every rule with a date in it asks this module: a fullmakt's last day, the ages of 16 and 18,
the complaint deadline, forvaltningsloven § 11 a's month, when a draft expires. Servers run
in UTC, which is one or two hours behind Norway: between 22:00/23:00 and midnight UTC the
machine's date is still yesterday in Norway, so ``date.today()`` would give a rule the wrong
day. Nothing else in the tree reads the system clock (ruff's banned-api rule, TID251, and
``tests/unit/test_clock.py`` make sure), so a test that freezes this clock (time-machine)
freezes the whole portal.

Stored times are UTC (``*_at`` columns); dates a person sees or types are Norwegian dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NORWAY = ZoneInfo("Europe/Oslo")


def utcnow() -> datetime:
    """Now, as an aware UTC datetime: what every ``*_at`` column stores."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Norway: the date every rule and every page uses."""
    return norway_date(utcnow())


def norway_date(moment: datetime) -> date:
    """The Norwegian calendar date of a moment (a naive moment is taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(NORWAY).date()


def start_of_day(day: date) -> datetime:
    """The first moment of a Norwegian day, in UTC (midnight in Oslo; DST-aware)."""
    return datetime.combine(day, time(), tzinfo=NORWAY).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The moment a Norwegian day is over, in UTC: the start of the next day.

    A rule «valid until 31 December» holds while ``now < end_of_day(31 December)``.
    """
    return start_of_day(day + timedelta(days=1))


def unix_seconds() -> int:
    """Now as whole seconds since the epoch (signature timestamps)."""
    return int(utcnow().timestamp())
