"""Issue 15, point 2: each timeline entry says who did it, as the reader knows them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.cases.models import Case
from tests.support.apply import ADULT_NIN, KARI_NIN, YOUTH_NIN, fill_application, send
from tests.support.desk import apply_at_desk, desk_client, start_visit
from tests.support.flows import log_in_with_testid
from tests.support.representation import act_for, apply_while_acting, grant


def timeline(client, reference: str, lang: str = "en") -> str:
    page = client.get(f"/eksempel/saker/{reference}?lang={lang}").get_data(as_text=True)
    part = page.split('<ol class="portal-timeline">', 1)[1].split("</ol>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))


def newest_reference(db_session) -> str:
    return db_session.scalars(sa.select(Case.reference).order_by(Case.id.desc())).first()


def test_a_young_person_reads_that_their_parent_sent_the_application(app, db_session):
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    send(kari, fill_application(kari, for_whom="child", subject_nin=YOUTH_NIN,
                                subject_name="Jonas Eksempel"))
    reference = newest_reference(db_session)
    jonas = app.test_client()
    log_in_with_testid(jonas, "jonas")
    read = timeline(jonas, reference)
    assert "Sent by Kari Eksempel" in read
    assert "Sent by you" not in read
    assert "You sent" not in read
    assert "Du sendte" not in timeline(jonas, reference, "nb")
    assert "Sendt av Kari Eksempel" in timeline(jonas, reference, "nb")


def test_the_applicant_reads_you_and_their_representative_reads_their_name(app, db_session):
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    send(ola, fill_application(ola))
    reference = newest_reference(db_session)
    assert "Sent by you" in timeline(ola, reference)
    grant(ola, KARI_NIN, "Kari Eksempel")
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    assert "Sent by Ola Eksempel" in timeline(kari, reference)


def test_a_representative_who_sends_is_named_with_their_basis_to_the_person(app, db_session):
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    grant(ola, KARI_NIN, "Kari Eksempel")
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    ola_id = db_session.scalar(sa.text("select principal_person_id from representation"))
    act_for(kari, ola_id)
    send(kari, apply_while_acting(kari))
    reference = newest_reference(db_session)
    assert "Sent by you" in timeline(kari, reference)
    assert "Sent by Kari Eksempel, who has a power of attorney from you" in timeline(
        ola, reference)


def test_what_the_desk_sent_reads_as_sent_by_the_desk_for_the_person(app, db_session):
    desk = desk_client(app)
    apply_at_desk(desk, start_visit(desk, ADULT_NIN, name="Ola Eksempel", language="en"))
    reference = newest_reference(db_session)
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    assert "Sent by the Citizen Service Desk (Innbyggertorget), for you" in timeline(
        ola, reference)
