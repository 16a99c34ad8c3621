"""The deadlines of a case, counted on Norway's calendar.

* Forvaltningsloven § 11 a: a case not decided within «en måned» of being received needs an
  interim reply. A month is a calendar month on the Norwegian wall clock (31 March less a
  month is the last day of February), not 30 days and not a month of UTC.
* Forvaltningsloven § 29: a complaint is due three weeks after the decision reached the
  person; pasient- og brukerrettighetsloven § 7-5: four weeks. A deadline that ends on a
  Saturday, Sunday or public holiday runs to the next working day (domstolloven § 149 second
  paragraph, which administrative practice applies to these deadlines).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from portal.clock import NORWAY


def one_month_before(moment: datetime) -> datetime:
    """The same Norwegian wall-clock time one calendar month earlier, in UTC.

    31 March gives the last day of February. Counting on Norway's calendar matters at the end
    of a month: 31 March 22:30 UTC is already 1 April in Oslo.
    """
    local = _aware(moment).astimezone(NORWAY)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    day = min(local.day, calendar.monthrange(year, month)[1])
    earlier = local.replace(tzinfo=None, year=year, month=month, day=day)
    return earlier.replace(tzinfo=NORWAY).astimezone(UTC)


def over_a_month(received_at: datetime, now: datetime) -> bool:
    """Forvaltningsloven § 11 a: has a month passed since the case was received?"""
    return _aware(received_at) <= one_month_before(now)


class ComplaintRule(StrEnum):
    """Which law's complaint deadline a decision gives (the decision says which applies)."""

    FORVALTNINGSLOVEN = "forvaltningsloven_29"  # three weeks
    PASIENT_OG_BRUKERRETTIGHETSLOVEN = "pasient_og_brukerrettighetsloven_7_5"  # four weeks


COMPLAINT_PERIOD = {
    ComplaintRule.FORVALTNINGSLOVEN: timedelta(weeks=3),
    ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN: timedelta(weeks=4),
}


def complaint_deadline(received_on: date, rule: ComplaintRule | str) -> date:
    """The last day to complain about a decision that reached the person on ``received_on``."""
    return next_working_day(received_on + COMPLAINT_PERIOD[ComplaintRule(rule)])


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day in Norway, otherwise the first one after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays (helligdagsloven § 1, and 1 and 17 May by their own laws)."""
    easter = _easter_sunday(year)
    from_easter = (-3, -2, 0, 1, 39, 49, 50)  # Maundy Thursday … Whit Monday
    fixed = (date(year, 1, 1), date(year, 5, 1), date(year, 5, 17), date(year, 12, 25),
             date(year, 12, 26))
    return frozenset((*fixed, *(easter + timedelta(days=n) for n in from_easter)))


def _easter_sunday(year: int) -> date:
    """The Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
