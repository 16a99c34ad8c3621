"""The date rules through the portal, with the clock frozen at 23:30 UTC on the dangerous days.

At 23:30 UTC the server's date is still yesterday, while Norway (and the person) is already
on the next day. A fullmakt's last day, a child's 16th birthday, forvaltningsloven § 11 a's
month and a draft's last day must all follow Norway's date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from babel.dates import format_date

from portal import clock
from portal.cases.models import Case
from portal.identity.nin import NinKind, generate_valid_nin, parse_nin
from portal.identity.persons import find_or_create_person
from portal.representation import service
from portal.representation.checks import manual
from portal.representation.models import Representation, Scope, Status
from portal.representation.rules import decide
from tests.support.apply import fill_application, send, start_draft
from tests.support.clock import moments
from tests.support.flows import log_in_staff, log_in_with_testid
from tests.support.representation import grant

pytestmark = pytest.mark.dates

KARI_NIN = generate_valid_nin(date(1984, 9, 2), kind=NinKind.SYNTHETIC)
OVERDUE = "/eksempel/ansatt/saker/over-en-maaned"


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def keys(app):
    return app.extensions["portal.keys"]


@moments
def test_a_fullmakt_given_until_today_holds_to_the_end_of_norways_day(
        app, client, db_session, moment, norway_day):
    with at(moment):
        log_in_with_testid(client, "ola")
        response = grant(client, KARI_NIN, "Kari Eksempel",
                         valid_to=norway_day.strftime("%d.%m.%Y"))
        assert response.status_code == 302, "the last day is today in Norway, not in the past"
    db_session.expire_all()
    [fullmakt] = db_session.scalars(sa.select(Representation))
    assert service.last_day(fullmakt) == norway_day
    ask = {"actor": fullmakt.representative, "principal_id": fullmakt.principal_person_id,
           "scope": Scope.FOLLOW, "municipality_id": fullmakt.municipality_id}
    end = clock.end_of_day(norway_day)  # midnight in Oslo, 22:00 or 23:00 UTC
    assert decide(db_session, **ask, at=end - timedelta(seconds=1))
    assert not decide(db_session, **ask, at=end)


@moments
def test_a_parents_access_ends_when_the_child_turns_16_in_norway(
        app, db_session, moment, norway_day):
    sixteen_today = norway_day.replace(year=norway_day.year - 16)
    with app.app_context():
        municipality_id = db_session.scalar(sa.text("select id from municipality limit 1"))
        parent = find_or_create_person(db_session, keys(app), parse_nin(
            generate_valid_nin(date(1980, 1, 10), kind=NinKind.SYNTHETIC),
            allow_synthetic=True), name="Forelder Eksempel")
        child = find_or_create_person(db_session, keys(app), parse_nin(
            generate_valid_nin(sixteen_today, kind=NinKind.SYNTHETIC), allow_synthetic=True),
            name="Barn Eksempel")
        representation = service.parent_representation(
            db_session, keys(app), municipality_id=municipality_id, parent=parent, child=child,
            check=manual)
        representation.status, representation.valid_from = Status.ACTIVE, datetime(
            2020, 1, 1, tzinfo=UTC)
        db_session.flush()
    ask = {"actor": parent, "principal_id": child.id, "scope": Scope.FOLLOW,
           "municipality_id": municipality_id}
    birthday_starts = clock.start_of_day(norway_day)
    assert decide(db_session, **ask, at=birthday_starts - timedelta(seconds=1))
    refused = decide(db_session, **ask, at=moment)  # still the day before in UTC
    assert (refused.allowed, refused.reason) == (False, "child_is_16")


# (now, received): each case was received one minute after the same Norwegian wall-clock
# time a calendar month before ``now``, so at ``now`` it is a minute short of a month.
MONTH_BOUNDARIES = {
    # 00:30 on 2 December in Oslo; received 00:31 on 2 November.
    "ordinary night": (datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
                       datetime(2026, 11, 1, 23, 31, tzinfo=UTC)),
    "new year's eve": (datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
                       datetime(2026, 11, 30, 23, 31, tzinfo=UTC)),
    "summer time begins": (datetime(2027, 3, 27, 23, 30, tzinfo=UTC),
                           datetime(2027, 2, 27, 23, 31, tzinfo=UTC)),
    # 01:30 summer time on 31 October; 31 September does not exist: 30 September, 01:31.
    "summer time ends": (datetime(2027, 10, 30, 23, 30, tzinfo=UTC),
                         datetime(2027, 9, 29, 23, 31, tzinfo=UTC)),
    "leap day": (datetime(2028, 2, 28, 23, 30, tzinfo=UTC),
                 datetime(2028, 1, 28, 23, 31, tzinfo=UTC)),
    # 00:30 on 1 April (summer time); received 00:31 on 1 March (winter time).
    "end of march": (datetime(2027, 3, 31, 22, 30, tzinfo=UTC),
                     datetime(2027, 2, 28, 23, 31, tzinfo=UTC)),
}


@pytest.mark.parametrize(("moment", "received"), MONTH_BOUNDARIES.values(),
                         ids=MONTH_BOUNDARIES.keys())
def test_the_month_list_and_the_case_page_count_a_norwegian_calendar_month(
        app, client, db_session, moment, received):
    log_in_with_testid(client, "ola")
    assert send(client, fill_application(client)).status_code == 302
    db_session.expire_all()
    case = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    case.created_at = received
    db_session.commit()
    for now, expected in ((moment, False), (moment + timedelta(minutes=1), True)):
        with at(now):  # first a minute short of a month, then a month to the minute
            caseworker = log_in_staff(app.test_client())
            log_in_with_testid(client, "ola")
            month_list = caseworker.get(OVERDUE).get_data(as_text=True)
            case_page = client.get(f"/eksempel/saker/{case.reference}?lang=en")
        assert (case.reference in month_list) is expected, now
        assert ("more than a month" in case_page.get_data(as_text=True)) is expected, now


@moments
def test_a_draft_shows_its_last_day_in_norway_and_goes_at_that_moment(
        client, moment, norway_day):
    with at(moment):
        log_in_with_testid(client, "ola")
        step = client.get(start_draft(client) + "?lang=nb").get_data(as_text=True)
    expires = moment + timedelta(days=30)
    assert clock.norway_date(expires) == norway_day + timedelta(days=30)
    shown = format_date(clock.norway_date(expires), "long", locale="nb")
    assert f"Utkastet blir lagret fram til {shown}." in step
    with at(expires - timedelta(minutes=1)):
        log_in_with_testid(client, "ola")
        assert f"blir slettet {shown}" in client.get("/eksempel/utkast/?lang=nb").get_data(
            as_text=True)
    with at(expires + timedelta(minutes=1)):
        log_in_with_testid(client, "ola")
        assert f"blir slettet {shown}" not in client.get("/eksempel/utkast/?lang=nb").get_data(
            as_text=True)
