"""The date rules at the moments where a server's UTC date and Norway's date part ways.

Each moment is 23:30 UTC: on an ordinary day, on New Year's Eve, on the nights daylight
saving time begins and ends, and on the eve of 29 February. The clock is frozen there with
time-machine, so these tests say the same thing at whatever hour they run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from portal import clock
from portal.cases.deadlines import (
    ComplaintRule,
    complaint_deadline,
    is_working_day,
    one_month_before,
    over_a_month,
    public_holidays,
)
from portal.identity.nin import age_on
from tests.support.clock import moments

pytestmark = pytest.mark.dates



def frozen(moment: datetime):
    return time_machine.travel(moment, tick=False)


@moments
def test_today_is_the_date_in_norway_not_on_the_server(moment, norway_day):
    with frozen(moment):
        assert clock.utcnow() == moment
        assert clock.today() == norway_day


@moments
def test_a_norwegian_day_runs_from_midnight_to_midnight_in_oslo(moment, norway_day):
    start, end = clock.start_of_day(norway_day), clock.end_of_day(norway_day)
    assert start <= moment < end
    assert clock.norway_date(start) == norway_day
    assert clock.norway_date(end - timedelta(microseconds=1)) == norway_day
    assert clock.norway_date(end) == norway_day + timedelta(days=1)


def test_the_days_daylight_saving_time_changes_are_23_and_25_hours_long():
    spring, autumn = date(2027, 3, 28), date(2027, 10, 31)
    assert clock.end_of_day(spring) - clock.start_of_day(spring) == timedelta(hours=23)
    assert clock.end_of_day(autumn) - clock.start_of_day(autumn) == timedelta(hours=25)
    assert clock.end_of_day(spring) == datetime(2027, 3, 28, 22, tzinfo=UTC)
    assert clock.end_of_day(autumn) == datetime(2027, 10, 31, 23, tzinfo=UTC)


@moments
def test_a_person_is_a_year_older_from_the_first_minute_of_their_birthday_in_norway(
        moment, norway_day):
    born = norway_day.replace(year=norway_day.year - 16)
    with frozen(moment):
        assert age_on(born, clock.today()) == 16
        assert age_on(born, clock.today() - timedelta(days=1)) == 15


def test_someone_born_on_29_february_turns_16_on_28_february_in_other_years():
    assert age_on(date(2012, 2, 29), date(2028, 2, 29)) == 16
    assert age_on(date(2012, 2, 29), date(2028, 2, 28)) == 15
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 18
    assert age_on(date(2008, 2, 29), date(2026, 2, 27)) == 17


# --- forvaltningsloven § 11 a: a calendar month on the Norwegian clock -----------------------

@pytest.mark.parametrize(("now", "month_earlier"), [
    # 31 March 14:00 in Oslo (summer time) less a month: 28 February 14:00 (winter time).
    (datetime(2026, 3, 31, 12, tzinfo=UTC), datetime(2026, 2, 28, 13, tzinfo=UTC)),
    (datetime(2026, 1, 15, 8, tzinfo=UTC), datetime(2025, 12, 15, 8, tzinfo=UTC)),
    # 23:30 UTC on 31 December is 1 January in Oslo: a month earlier is 1 December, 00:30.
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), datetime(2026, 11, 30, 23, 30, tzinfo=UTC)),
    # 22:30 UTC on 31 March is 1 April in Oslo; UTC arithmetic would say 28 February 22:30.
    (datetime(2027, 3, 31, 22, 30, tzinfo=UTC), datetime(2027, 2, 28, 23, 30, tzinfo=UTC)),
    # The night of 29 February: 29 February 00:30 in Oslo less a month is 29 January 00:30.
    (datetime(2028, 2, 28, 23, 30, tzinfo=UTC), datetime(2028, 1, 28, 23, 30, tzinfo=UTC)),
    (datetime(2028, 3, 30, 12, tzinfo=UTC), datetime(2028, 2, 29, 13, tzinfo=UTC)),
])
def test_a_month_is_a_calendar_month_in_norway(now, month_earlier):
    assert one_month_before(now) == month_earlier


@moments
def test_a_case_is_over_a_month_old_from_the_same_time_next_month_in_norway(moment, norway_day):
    received = one_month_before(moment)
    assert over_a_month(received, moment)
    assert not over_a_month(received + timedelta(minutes=1), moment)


# --- complaint deadlines -------------------------------------------------------------------

@pytest.mark.parametrize(("received", "rule", "deadline"), [
    (date(2026, 11, 4), ComplaintRule.FORVALTNINGSLOVEN, date(2026, 11, 25)),
    (date(2026, 11, 4), ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN, date(2026, 12, 2)),
    # Three weeks from 11 December is 1 January, a holiday; 2 and 3 January are a weekend.
    (date(2026, 12, 11), ComplaintRule.FORVALTNINGSLOVEN, date(2027, 1, 4)),
    # Four weeks from 27 November is Christmas Day; then Boxing Day and a Sunday.
    (date(2026, 11, 27), ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN, date(2026, 12, 28)),
    # Maundy Thursday 2027 is 25 March; Easter Monday 29 March.
    (date(2027, 3, 4), ComplaintRule.FORVALTNINGSLOVEN, date(2027, 3, 30)),
    # A decision received on 8 February 2028: three weeks is 29 February, a Tuesday.
    (date(2028, 2, 8), ComplaintRule.FORVALTNINGSLOVEN, date(2028, 2, 29)),
    # Across the night summer time begins: the deadline is a date, not a number of hours.
    (date(2027, 3, 8), ComplaintRule.FORVALTNINGSLOVEN, date(2027, 3, 30)),
])
def test_the_complaint_deadline_is_three_or_four_weeks_and_ends_on_a_working_day(
        received, rule, deadline):
    assert complaint_deadline(received, rule) == deadline
    assert is_working_day(deadline)


@pytest.mark.parametrize(("year", "easter_monday", "whit_monday"), [
    (2026, date(2026, 4, 6), date(2026, 5, 25)),
    (2027, date(2027, 3, 29), date(2027, 5, 17)),  # Whit Monday on Constitution Day
    (2028, date(2028, 4, 17), date(2028, 6, 5)),
])
def test_the_public_holidays_follow_easter(year, easter_monday, whit_monday):
    holidays = public_holidays(year)
    assert {easter_monday, whit_monday, date(year, 5, 17), date(year, 12, 26)} <= holidays
    assert easter_monday - timedelta(days=4) in holidays  # Maundy Thursday
    assert easter_monday + timedelta(days=38) in holidays  # Ascension Day
