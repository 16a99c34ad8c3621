"""Issue 15, point 20: someone who once could see a case, and no longer may, is told why.

A revoked representative and a parent whose child has turned 16 get a page saying that the
fullmakt has ended (or that the child decides now), and what to do, with nothing about the
case; the receipt after sending (``…/sendt``) asks the same access decision as the case page
and is audit-logged.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine

from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.representation.models import Representation
from tests.support.apply import CHILD_NIN, GOALS_TEXT, KARI_NIN, fill_application, send
from tests.support.flows import csrf_token, log_in_with_testid
from tests.support.representation import act_for, apply_while_acting, grant

EMMA_IS_16 = datetime(2032, 12, 1, 10, tzinfo=UTC)  # Emma Eksempel, born 30 November 2016


def newest_case(db_session) -> Case:
    return db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()


def refusals(db_session, case: Case) -> list[AuditEvent]:
    return db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "case.refused", AuditEvent.target == f"case:{case.reference}")
    ).all()


def test_a_parent_whose_child_has_turned_16_is_told_so_on_the_case_and_the_receipt(
        app_factory, db_session):
    app = app_factory(DRAFT_LIFETIME_DAYS=4000)  # the sent draft outlives Emma's birthday
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    sent_url = send(kari, fill_application(kari, for_whom="child", subject_nin=CHILD_NIN,
                                           subject_name="Emma Eksempel")).headers["Location"]
    assert sent_url.endswith("/sendt")
    case = newest_case(db_session)
    assert kari.get(sent_url).status_code == 200
    assert kari.get(f"/eksempel/saker/{case.reference}").status_code == 200
    with time_machine.travel(EMMA_IS_16, tick=False):
        kari = app.test_client()
        log_in_with_testid(kari, "kari")
        for url in (sent_url, f"/eksempel/saker/{case.reference}",
                    f"/eksempel/kvittering/{case.reference}"):
            response = kari.get(url + "?lang=en")
            page = response.get_data(as_text=True)
            assert response.status_code == 403, url
            assert "Your child has turned 16" in page, url
            assert "power of attorney" in page
            assert GOALS_TEXT not in page
    assert [event.reason for event in refusals(db_session, case)] == ["child_is_16"] * 3


def test_a_revoked_representative_is_told_that_the_fullmakt_has_ended(app, db_session):
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    grant(ola, KARI_NIN, "Kari Eksempel")
    fullmakt = db_session.scalars(sa.select(Representation).order_by(Representation.id.desc())
                                  ).first()
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    act_for(kari, fullmakt.principal_person_id)
    sent_url = send(kari, apply_while_acting(kari)).headers["Location"]
    case = newest_case(db_session)
    assert kari.get(sent_url).status_code == 200
    url = f"/eksempel/fullmakt/{fullmakt.id}/avslutt"
    ola.post(url, data={"csrf_token": csrf_token(ola.get(url).get_data(as_text=True))})
    for url in (sent_url, f"/eksempel/saker/{case.reference}"):
        response = kari.get(url + "?lang=nb")
        page = response.get_data(as_text=True)
        assert response.status_code == 403, url
        assert "Fullmakten din er avsluttet" in page, url
        assert GOALS_TEXT not in page
    assert [event.reason for event in refusals(db_session, case)] == ["ended"] * 2


def test_someone_who_never_had_access_still_gets_not_found(app, db_session):
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    send(ola, fill_application(ola))
    case = newest_case(db_session)
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    assert kari.get(f"/eksempel/saker/{case.reference}").status_code == 404
    assert refusals(db_session, case) == []
