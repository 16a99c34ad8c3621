"""Who sees a case: every citizen case URL × every kind of visitor (issue 6's access matrix).

Visitors: the subject, an active representative, a revoked representative, another
citizen, staff of another municipality, and someone not logged in. Each gets exactly what
the rules give them: the subject and the active representative see the case; the revoked
representative is told that the fullmakt has ended (403) and nothing about the case; the
others get the same answer as for a case that does not exist (404), a staff session is
refused (403), and anonymous visitors are sent to log in.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.cases.models import Case, Submission
from portal.cases.service import apply_event
from portal.identity import staff as accounts
from portal.identity.models import StaffRole
from portal.identity.nin import NinKind, generate_valid_nin
from portal.municipalities.models import Municipality
from portal.municipalities.service import import_municipality
from portal.queue.tasks import run_due_tasks
from portal.representation.models import Representation
from tests.integration.factories import municipality_data
from tests.support.apply import GOALS_TEXT, fill_application, send
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid
from tests.support.representation import grant

REVOKED_NIN = generate_valid_nin(date(1970, 1, 5), kind=NinKind.SYNTHETIC)
KARI_NIN = generate_valid_nin(date(1984, 9, 2), kind=NinKind.SYNTHETIC)
OTHER_NIN = generate_valid_nin(date(1975, 7, 7), kind=NinKind.SYNTHETIC)
VISITORS = ("subject", "active_representative", "revoked_representative", "other_citizen",
            "other_municipality_staff", "anonymous")
SEES = {"subject", "active_representative"}


@pytest.fixture
def world(app, db_session):
    """Ola's case, waiting for information, with a receipt; Kari may act; Rita may not."""
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    send(ola, fill_application(ola))
    case = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    apply_event(db_session, case, "in_progress", {})
    apply_event(db_session, case, "information_requested",
                {"text": "Send the doctor's report", "answer_by": "2030-01-31"})
    db_session.commit()
    run_due_tasks(app)
    grant(ola, KARI_NIN, "Kari Eksempel")
    grant(ola, REVOKED_NIN, "Rita Revokert")
    rita = db_session.scalars(sa.select(Representation).order_by(Representation.id.desc())
                              ).first()
    url = f"/eksempel/fullmakt/{rita.id}/avslutt"
    ola.post(url, data={"csrf_token": csrf_token(ola.get(url).get_data(as_text=True))})

    clients = {"subject": ola, "anonymous": app.test_client()}
    for key, login in (("active_representative", {"person": "kari"}),
                       ("revoked_representative", {"person": "other", "nin": REVOKED_NIN,
                                                   "name": "Rita Revokert"}),
                       ("other_citizen", {"person": "other", "nin": OTHER_NIN,
                                          "name": "Per Annen"})):
        client = app.test_client()
        log_in_with_testid(client, **login)
        clients[key] = client
    testby = import_municipality(db_session, municipality_data())
    accounts.create_staff(db_session, municipality_id=testby.id, email="sak@testby.example",
                          name="Tor Testby", role=StaffRole.CASEWORKER,
                          password="testby-caseworker-password")
    db_session.commit()
    clients["other_municipality_staff"] = log_in_staff(
        app.test_client(), "sak@testby.example", "/testby/ansatt/logg-inn",
        "testby-caseworker-password")
    submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == case.id))
    return case, submission, clients


def comparable(response) -> str:
    """The page without what changes from one request to the next: the moment the session
    ends, and the CSRF token (signed with a timestamp)."""
    page = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", "", response.get_data(as_text=True))
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)


def urls(case: Case, submission: Submission) -> list[str]:
    ref = case.reference
    return [f"/eksempel/saker/{ref}", f"/eksempel/saker/{ref}/svar",
            f"/eksempel/saker/{ref}/trekk",
            f"/eksempel/saker/{ref}/kvittering/{submission.id}.pdf",
            f"/eksempel/kvittering/{ref}", f"/eksempel/kvittering/{ref}/kvittering.pdf"]


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_case_url_gives_each_visitor_what_the_rules_give(world, visitor):
    case, submission, clients = world
    client = clients[visitor]
    for url in urls(case, submission):
        response = client.get(url)
        if visitor in SEES:
            assert response.status_code == 200, url
        elif visitor == "anonymous":
            assert response.status_code == 302
            assert "/logg-inn" in response.headers["Location"]
        elif visitor == "other_municipality_staff":
            assert response.status_code == 403, url
        elif visitor == "revoked_representative":
            assert response.status_code == 403, url
            page = response.get_data(as_text=True)
            assert "fullmakt" in page.lower(), url
            assert GOALS_TEXT not in page, url
            assert "Ola" not in page, url
        else:
            assert response.status_code == 404, url
            # The same page as for a reference that does not exist.
            missing = client.get(url.replace(case.reference, "IP-2026-ZZZZ-ZZ"))
            assert comparable(response).replace(case.reference, "IP-2026-ZZZZ-ZZ") \
                == comparable(missing)
    listing = client.get("/eksempel/saker/").get_data(as_text=True)
    assert (case.reference in listing) == (visitor in SEES)


@pytest.mark.parametrize("visitor", VISITORS)
def test_nobody_without_access_can_post_into_the_case(world, visitor, db_session):
    case, _submission, clients = world
    client = clients[visitor]
    if visitor in SEES:
        return
    token = csrf_token(clients["subject"].get("/eksempel/saker/").get_data(as_text=True))
    for path in ("svar", "trekk"):
        response = client.post(f"/eksempel/saker/{case.reference}/{path}",
                               data={"csrf_token": token, "action": "send", "text": "x"})
        assert response.status_code in (302, 400, 403, 404)
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count(Submission.id)).where(
        Submission.case_id == case.id)) == 1


def test_only_the_subject_sees_who_has_looked_and_reads_by_others_are_logged(world, db_session):
    case, _submission, clients = world
    clients["active_representative"].get(f"/eksempel/saker/{case.reference}")
    page = clients["active_representative"].get(
        f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "Who has looked at your case" not in page
    page = clients["subject"].get(f"/eksempel/saker/{case.reference}?lang=en").get_data(
        as_text=True)
    assert "Who has looked at your case" in page
    assert "Kari Eksempel" in page
    assert "has a power of attorney from you" in page
    reads = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "case.read", AuditEvent.target == f"case:{case.reference}")).all()
    assert reads
    assert all(read.reason == "fullmakt" for read in reads)
    looked = page.split("Who has looked at your case", 1)[1]
    assert "Rita Revokert" not in looked
    assert "Per Annen" not in looked


# --- complaints (issue 12): who may see and start a complaint -------------------------------

FOLLOW_ONLY_NIN = generate_valid_nin(date(1968, 4, 4), kind=NinKind.SYNTHETIC)
COMPLAINT_VISITORS = (*VISITORS, "representative_without_complain_scope")
MAY_COMPLAIN = {"subject", "active_representative"}


@pytest.fixture
def decided_world(app, db_session, world):
    """Ola's case is decided and he has complained; Frida may follow for him, not complain."""
    from tests.support.complaints import answer_steps, reference_in, send_complaint, start_on_case

    case, _submission, clients = world
    apply_event(db_session, case, "in_progress", {})
    apply_event(db_session, case, "decision", {"outcome": "refused",
                                               "decision_date": "2026-12-01"})
    db_session.commit()
    grant(clients["subject"], FOLLOW_ONLY_NIN, "Frida Følger", scopes=("follow",))
    frida = app.test_client()
    log_in_with_testid(frida, "other", nin=FOLLOW_ONLY_NIN, name="Frida Følger")
    clients = {**clients, "representative_without_complain_scope": frida}
    ola = clients["subject"]
    check = answer_steps(ola, start_on_case(ola, case.reference).headers["Location"])
    sent = send_complaint(ola, check)
    complaint = reference_in(ola.get(sent.headers["Location"]).get_data(as_text=True))
    return case, complaint, clients


def own_token(client, visitor: str) -> str:
    """A CSRF token of the visitor's own session, so that only the access rule decides."""
    page = {"anonymous": "/eksempel/testid", "other_municipality_staff": "/testby/ansatt/"}.get(
        visitor, "/eksempel/saker/")
    return csrf_token(client.get(page).get_data(as_text=True))


def complaint_count(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(sa.select(sa.func.count(Case.id)).where(Case.kind == "complaint"))


@pytest.mark.parametrize("visitor", COMPLAINT_VISITORS)
def test_only_those_who_may_complain_are_offered_and_can_start_a_complaint(
        decided_world, visitor, db_session):
    case, complaint, clients = decided_world
    client = clients[visitor]
    before = complaint_count(db_session)
    # The decision has a complaint now; the plan and a new decision complaint are closed,
    # so ask for the one that is offered to nobody yet: the case page must not offer it
    # to anyone but those who may complain, and the start URL must refuse the rest.
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en")
    started = client.post(f"/eksempel/klage/sak/{case.reference}/decision",
                          data={"csrf_token": own_token(client, visitor)})
    if visitor == "anonymous":
        assert started.status_code == 302
        assert "/logg-inn" in started.headers["Location"]
    elif visitor == "other_municipality_staff":
        assert started.status_code == 403
    else:  # one complaint about a decision at a time: refused for everyone, also the subject
        assert started.status_code in (400, 404)
    if visitor in SEES or visitor == "representative_without_complain_scope":
        assert complaint in page.get_data(as_text=True)  # the complaint is listed on the case
    assert complaint_count(db_session) == before


@pytest.mark.parametrize("visitor", COMPLAINT_VISITORS)
def test_every_complaint_url_gives_each_visitor_what_the_rules_give(decided_world, visitor):
    _case, complaint, clients = decided_world
    client = clients[visitor]
    may_see = visitor in SEES or visitor == "representative_without_complain_scope"
    for url, needs in ((f"/eksempel/saker/{complaint}", "follow"),
                       (f"/eksempel/kvittering/{complaint}", "follow"),
                       (f"/eksempel/saker/{complaint}/trekk", "complain")):
        response = client.get(url)
        if visitor == "anonymous":
            assert response.status_code == 302
        elif visitor == "other_municipality_staff":
            assert response.status_code == 403, url
        elif (needs == "follow" and may_see) or visitor in MAY_COMPLAIN:
            assert response.status_code == 200, (visitor, url)
        elif visitor == "revoked_representative":  # told that the fullmakt has ended
            assert response.status_code == 403, (visitor, url)
        else:
            assert response.status_code == 404, (visitor, url)
    listing = client.get("/eksempel/saker/").get_data(as_text=True)
    assert (complaint in listing) == may_see


@pytest.mark.parametrize("visitor", COMPLAINT_VISITORS)
def test_the_complaint_offer_shows_only_to_those_who_may_complain(
        app, db_session, decided_world, visitor):
    case, complaint, clients = decided_world
    # Ola withdraws his complaint: a complaint about the decision is possible again.
    ola = clients["subject"]
    url = f"/eksempel/saker/{complaint}/trekk"
    ola.post(url, data={"csrf_token": csrf_token(ola.get(url).get_data(as_text=True))})
    client = clients[visitor]
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert ("Complain about the decision" in page) == (visitor in MAY_COMPLAIN)
    started = client.post(f"/eksempel/klage/sak/{case.reference}/decision",
                          data={"csrf_token": own_token(client, visitor)})
    if visitor in MAY_COMPLAIN:
        assert started.status_code == 302
        assert "/klage/" in started.headers["Location"]
    elif visitor == "anonymous":
        assert "/logg-inn" in started.headers["Location"]
    elif visitor == "other_municipality_staff":
        assert started.status_code == 403
    else:
        assert started.status_code == 404
# --- Consents (issue 13): every consent URL × every kind of visitor ---------------------------

CONSENT_VISITORS = (*VISITORS, "representative_without_consent_scope")
FOLLOW_ONLY_NIN = generate_valid_nin(date(1980, 2, 2), kind=NinKind.SYNTHETIC)
SEES_CONSENTS = {"subject", "active_representative"}


@pytest.fixture
def consent_world(app, world, db_session):
    """Ola's consents (from his application) and a withdrawal with its receipt; Kari acts for
    Ola with every scope; Nils may follow Ola's cases but not consent."""
    from portal.consents.models import Consent
    from tests.support.consents import withdraw
    from tests.support.representation import act_for

    case, _submission, clients = world
    ola = clients["subject"]
    grant(ola, FOLLOW_ONLY_NIN, "Nils Følger", scopes=("follow",))
    nils = app.test_client()
    log_in_with_testid(nils, "other", nin=FOLLOW_ONLY_NIN, name="Nils Følger")
    clients["representative_without_consent_scope"] = nils
    for key in ("active_representative", "representative_without_consent_scope"):
        act_for(clients[key], case.subject_person_id)
    consents = db_session.scalars(sa.select(Consent).order_by(Consent.id)).all()
    gp = next(row for row in consents if row.recipient == "gp")
    withdraw(ola, gp.id)
    run_due_tasks(app)
    home = next(row for row in consents if row.recipient == "home_services")
    receipt = db_session.scalar(sa.select(Submission).where(Submission.kind == "consent"))
    return case, home, receipt, clients


def consent_urls(home, receipt) -> list[str]:
    return [f"/eksempel/samtykker/{home.id}/endre", f"/eksempel/samtykker/{home.id}/trekk",
            f"/eksempel/samtykker/kvittering/{receipt.id}",
            f"/eksempel/samtykker/kvittering/{receipt.id}.pdf"]


@pytest.mark.parametrize("visitor", CONSENT_VISITORS)
def test_every_consent_url_gives_each_visitor_what_the_rules_give(consent_world, visitor):
    case, home, receipt, clients = consent_world
    client = clients[visitor]
    for url in ["/eksempel/samtykker/", *consent_urls(home, receipt)]:
        response = client.get(url)
        page = response.get_data().decode(errors="replace")  # the receipt is a PDF
        if visitor in SEES_CONSENTS:
            assert response.status_code == 200, url
        elif visitor == "anonymous":
            assert response.status_code == 302
            assert "/logg-inn" in response.headers["Location"]
        elif visitor == "other_municipality_staff":
            assert response.status_code == 403, url
        elif visitor == "representative_without_consent_scope":
            assert response.status_code == 403, url
            assert "Home-based services" not in page
        elif url == "/eksempel/samtykker/":
            assert response.status_code == 200  # their own register: nothing of Ola's
            assert "Home-based services" not in page
            assert "Ola Eksempel" not in page
        else:
            assert response.status_code == 404, url
    staff_page = client.get(f"/eksempel/ansatt/saker/{case.reference}/samtykke")
    assert staff_page.status_code == (302 if visitor == "anonymous" else 403)


@pytest.mark.parametrize("visitor", CONSENT_VISITORS)
def test_nobody_without_the_consent_scope_can_withdraw_or_change(consent_world, visitor,
                                                                  db_session):
    from portal.consents.models import Consent

    _case, home, _receipt, clients = consent_world
    if visitor in SEES_CONSENTS:
        return
    token = csrf_token(clients["subject"].get("/eksempel/saker/").get_data(as_text=True))
    for path in ("trekk", "endre"):
        response = clients[visitor].post(f"/eksempel/samtykker/{home.id}/{path}", data={
            "csrf_token": token, "action": "confirm", "information": "x"})
        assert response.status_code in (302, 400, 403, 404)
    db_session.expire_all()
    assert db_session.get(Consent, home.id).status == "active"


def test_another_municipalitys_api_client_sees_no_consents(consent_world, app, db_session):
    from portal.api.clients import create_client

    case, _home, _receipt, _clients = consent_world
    testby = db_session.scalar(sa.select(Municipality).where(Municipality.slug == "testby"))
    _row, secret = create_client(db_session, municipality_id=testby.id, name="other",
                                 scopes=["cases"])
    db_session.commit()
    response = app.test_client().get(f"/api/v1/cases/{case.reference}/consents",
                                     headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 404
