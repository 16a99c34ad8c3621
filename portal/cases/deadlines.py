"""Deadlines counted in calendar months (forvaltningsloven counts "en måned", not 30 days)."""

from __future__ import annotations

import calendar
from datetime import datetime


def one_month_before(moment: datetime) -> datetime:
    """The same time one calendar month earlier; 31 March gives the last day of February.

    Forvaltningsloven § 11 a counts "en måned", a calendar month, not 30 days.
    """
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
