"""Acting for someone else: digital fullmakt, paper fullmakt, parents, the desk, and the one
function that decides (portal.representation.rules.decide)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal import clock
from portal.cases.models import Case, Submission
from portal.clock import utcnow
from portal.identity.crypto import DataKeys
from portal.identity.nin import NinKind, generate_valid_nin, parse_nin
from portal.identity.persons import find_or_create_person, find_person
from portal.municipalities.service import get_by_slug
from portal.queue.models import OutboxMessage, Task
from portal.representation import service
from portal.representation.checks import manual
from portal.representation.models import Basis, Representation, Scope, Status
from portal.representation.rules import decide
from tests.support.apply import ADULT_NIN, CHILD_NIN, YOUTH_NIN, fill_application, send
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid
from tests.support.representation import act_for, apply_while_acting, grant

pytestmark = pytest.mark.dates  # run again at 23:30 UTC by make test

KARI_NIN = generate_valid_nin(date(1984, 9, 2), kind=NinKind.SYNTHETIC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def keys(app) -> DataKeys:
    return app.extensions["portal.keys"]


def person(app, db_session, nin: str):
    return find_person(db_session, keys(app), parse_nin(nin, allow_synthetic=True))


def latest_case(db_session) -> Case:
    db_session.expire_all()
    return db_session.scalars(sa.select(Case).where(Case.kind == "ip_application")
                              .order_by(Case.id.desc())).first()


def representations(db_session) -> list[Representation]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(Representation).order_by(Representation.id)))


@pytest.fixture
def ola_case(app, db_session) -> Case:
    """Ola has applied for himself."""
    ola = app.test_client()
    log_in_with_testid(ola, "ola")
    send(ola, fill_application(ola))
    return latest_case(db_session)


@pytest.fixture
def kari_acts_for_ola(app, client, db_session):
    """Ola (``client``) has given Kari a fullmakt for everything; Kari acts for him."""
    log_in_with_testid(client, "ola")
    grant(client, KARI_NIN, "Kari Eksempel")
    [fullmakt] = representations(db_session)
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    act_for(kari, fullmakt.principal_person_id)
    return kari, fullmakt


# --- Digital fullmakt --------------------------------------------------------------------------

def test_a_digital_fullmakt_is_active_at_once_and_delivered_to_the_back_office(
        app, client, db_session, ola_case):
    log_in_with_testid(client, "ola")
    response = grant(client, KARI_NIN, "Kari Eksempel", valid_to="2030-12-31")
    assert response.status_code == 302
    [fullmakt] = representations(db_session)
    assert (fullmakt.status, fullmakt.basis, fullmakt.evidence) == ("active", "fullmakt",
                                                                   "digital")
    assert sorted(fullmakt.scopes) == sorted(s.value for s in Scope)
    assert service.last_day(fullmakt) == date(2030, 12, 31)
    delivered = db_session.scalar(sa.select(Submission).where(
        Submission.case_id == fullmakt.case_id))
    assert delivered.kind == "power_of_attorney"
    assert db_session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.submission_id == delivered.id)).type == "power_of_attorney.submitted"
    # The principal sees it, the representative sees it received.
    assert "Kari Eksempel" in client.get("/eksempel/fullmakt/?lang=en").get_data(as_text=True)
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    page = kari.get("/eksempel/fullmakt/?lang=en").get_data(as_text=True)
    assert "Ola Eksempel" in page
    assert "Active" in page
    # The representative follows Ola's case: in «Mine saker» and on the case page.
    assert ola_case.reference in kari.get("/eksempel/saker/").get_data(as_text=True)
    assert kari.get(f"/eksempel/saker/{ola_case.reference}").status_code == 200


def test_a_resent_confirmation_gives_one_fullmakt(client, db_session):
    log_in_with_testid(client, "ola")
    page = client.get("/eksempel/fullmakt/ny").get_data(as_text=True)
    request_id = re.search(r'name="request_id" type="hidden" value="([0-9a-f]+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "representative_nin": KARI_NIN,
            "representative_name": "Kari Eksempel", "scopes": ["follow"], "valid_to": "",
            "request_id": request_id, "action": "confirm"}
    assert client.post("/eksempel/fullmakt/ny", data=data).status_code == 302
    assert client.post("/eksempel/fullmakt/ny", data=data).status_code == 302
    assert len(representations(db_session)) == 1


def test_the_representative_must_be_18(client, db_session):
    """Vergemålsloven § 2: Jonas (born 2009) is 17."""
    log_in_with_testid(client, "ola")
    page = grant(client, YOUTH_NIN, "Jonas Eksempel").get_data(as_text=True)
    assert "must be 18 or older" in page or "må vere 18" in page or "må være 18" in page
    assert 'aria-invalid="true"' in page
    assert "Jonas Eksempel" in page
    assert representations(db_session) == []


def test_the_principal_must_be_16(client, db_session):
    """Pasient- og brukerrettighetsloven § 4-3: a 15-year-old cannot give a fullmakt."""
    fifteen = generate_valid_nin(clock.today().replace(year=clock.today().year - 15)
                                 - timedelta(days=1), kind=NinKind.SYNTHETIC)
    log_in_with_testid(client, "other", nin=fifteen, name="Femten Eksempel")
    page = grant(client, KARI_NIN, "Kari Eksempel").get_data(as_text=True)
    assert "16 or older" in page or "16 år" in page
    assert representations(db_session) == []


def test_an_end_date_in_the_past_and_a_missing_scope_are_told_next_to_the_field(client):
    log_in_with_testid(client, "ola")
    page = grant(client, KARI_NIN, "Kari Eksempel", scopes=(), valid_to="2020-01-01",
                 confirm=False).get_data(as_text=True)
    assert 'id="scopes-error"' in page
    page = grant(client, KARI_NIN, "Kari Eksempel", valid_to="2020-01-01").get_data(
        as_text=True)
    assert 'id="valid_to-error"' in page
    page = grant(client, KARI_NIN, "Kari Eksempel", valid_to="31.02.2030").get_data(
        as_text=True)
    assert 'id="valid_to-error"' in page
    assert "31.02.2030" in page  # what was typed is kept


def test_the_last_day_can_be_written_the_norwegian_way(client, db_session):
    log_in_with_testid(client, "ola")
    assert grant(client, KARI_NIN, "Kari Eksempel", valid_to="31.12.2030").status_code == 302
    assert service.last_day(representations(db_session)[0]) == date(2030, 12, 31)


# --- Scopes, expiry, revocation --------------------------------------------------------------

def test_scope_limits_what_the_representative_may_do(app, db_session, ola_case, client):
    log_in_with_testid(client, "ola")
    grant(client, KARI_NIN, "Kari Eksempel", scopes=("apply",))
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    assert kari.get(f"/eksempel/saker/{ola_case.reference}").status_code == 404
    assert ola_case.reference not in kari.get("/eksempel/saker/").get_data(as_text=True)
    [fullmakt] = representations(db_session)
    ola, kari_person = fullmakt.principal, fullmakt.representative
    municipality_id = fullmakt.municipality_id
    assert decide(db_session, actor=kari_person, principal_id=ola.id, scope=Scope.APPLY,
                  municipality_id=municipality_id)
    refused = decide(db_session, actor=kari_person, principal_id=ola.id, scope=Scope.FOLLOW,
                     municipality_id=municipality_id)
    assert (refused.allowed, refused.reason) == (False, "scope")
    # Following only: she sees the case but may not answer or withdraw for Ola.
    fullmakt.scopes = ["follow"]
    db_session.commit()
    assert kari.get(f"/eksempel/saker/{ola_case.reference}").status_code == 200
    assert kari.get(f"/eksempel/saker/{ola_case.reference}/trekk").status_code == 404


def test_a_fullmakt_ends_when_its_last_day_is_over(app, db_session, ola_case, client):
    log_in_with_testid(client, "ola")
    grant(client, KARI_NIN, "Kari Eksempel", valid_to=clock.today().isoformat())
    [fullmakt] = representations(db_session)
    principal_id, kari = fullmakt.principal_person_id, fullmakt.representative
    end = fullmakt.valid_to.replace(tzinfo=UTC) if fullmakt.valid_to.tzinfo is None \
        else fullmakt.valid_to
    ask = {"actor": kari, "principal_id": principal_id, "scope": Scope.FOLLOW,
               "municipality_id": fullmakt.municipality_id}
    assert decide(db_session, **ask, at=end - timedelta(seconds=1))
    assert not decide(db_session, **ask, at=end)
    # Past the end in real time: access has gone, and the status reads «expired».
    fullmakt.valid_to = utcnow() - timedelta(minutes=1)
    db_session.commit()
    reader = app.test_client()
    log_in_with_testid(reader, "kari")
    ended = reader.get(f"/eksempel/saker/{ola_case.reference}?lang=en")
    assert ended.status_code == 403  # told why: the fullmakt has ended (issue 15, point 20)
    assert "Your power of attorney has ended" in ended.get_data(as_text=True)
    assert "Expired" in reader.get("/eksempel/fullmakt/?lang=en").get_data(as_text=True)
    with app.app_context():
        assert service.expire_ended(db_session) == 1
    assert representations(db_session)[0].status == Status.EXPIRED


def test_revoking_ends_the_representatives_access_during_their_session(
        client, db_session, ola_case, kari_acts_for_ola):
    kari, fullmakt = kari_acts_for_ola
    page = kari.get("/eksempel/saker/?lang=en").get_data(as_text=True)
    assert "You act for Ola Eksempel" in page
    assert kari.get(f"/eksempel/saker/{ola_case.reference}").status_code == 200
    # Ola takes it back while Kari is logged in.
    revoke_url = f"/eksempel/fullmakt/{fullmakt.id}/avslutt"
    page = client.get(revoke_url).get_data(as_text=True)
    assert client.post(revoke_url, data={"csrf_token": csrf_token(page)}).status_code == 302
    page = kari.get("/eksempel/saker/?lang=en").get_data(as_text=True)
    assert "You can no longer act for Ola Eksempel" in page
    assert "You act for Ola Eksempel" not in page
    assert ola_case.reference not in page
    assert kari.get(f"/eksempel/saker/{ola_case.reference}").status_code == 403  # told why
    revoked = representations(db_session)[0]
    assert revoked.status == Status.REVOKED
    assert revoked.revoked_at is not None
    kinds = db_session.scalars(sa.select(OutboxMessage.type).where(
        OutboxMessage.case_id == revoked.case_id)).all()
    assert kinds == ["power_of_attorney.submitted", "power_of_attorney.submitted"]


def test_the_principal_changes_the_scopes(app, client, db_session):
    log_in_with_testid(client, "ola")
    grant(client, KARI_NIN, "Kari Eksempel")
    [fullmakt] = representations(db_session)
    url = f"/eksempel/fullmakt/{fullmakt.id}/endre"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(page), "scopes": ["follow"],
                                      "valid_to": "", "request_id": "x1"})
    assert response.status_code == 302
    assert representations(db_session)[0].scopes == ["follow"]


def test_nobody_else_can_change_or_revoke_a_fullmakt(app, client, db_session):
    log_in_with_testid(client, "ola")
    grant(client, KARI_NIN, "Kari Eksempel")
    [fullmakt] = representations(db_session)
    stranger = app.test_client()
    log_in_with_testid(stranger, "jonas")
    assert stranger.get(f"/eksempel/fullmakt/{fullmakt.id}/endre").status_code == 404
    assert stranger.get(f"/eksempel/fullmakt/{fullmakt.id}/avslutt").status_code == 404


# --- The representative applies ----------------------------------------------------------------

def test_the_representative_applies_while_acting_for_the_principal(db_session,
                                                                   kari_acts_for_ola):
    kari, fullmakt = kari_acts_for_ola
    assert send(kari, apply_while_acting(kari)).status_code == 302
    case = latest_case(db_session)
    assert case.subject_person_id == fullmakt.principal_person_id
    assert len(representations(db_session)) == 1  # used the fullmakt, made no new one
    assert kari.get(f"/eksempel/saker/{case.reference}").status_code == 200


def test_an_application_started_before_the_fullmakt_was_revoked_cannot_be_sent(
        app, db_session, kari_acts_for_ola):
    kari, fullmakt = kari_acts_for_ola
    check = apply_while_acting(kari)
    with app.app_context():
        service.revoke(db_session, keys(app), representations(db_session)[0],
                       by=fullmakt.principal, language="nb")
    db_session.commit()
    response = send(kari, check)
    assert response.status_code == 403
    assert latest_case(db_session) is None


def test_a_fullmakt_without_applying_and_consent_cannot_start_an_application(
        app, client, db_session):
    log_in_with_testid(client, "ola")
    grant(client, KARI_NIN, "Kari Eksempel", scopes=("apply", "follow"))
    [fullmakt] = representations(db_session)
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    act_for(kari, fullmakt.principal_person_id)
    response = kari.get("/eksempel/ny/ip_application?lang=en")
    assert response.status_code == 403
    assert "You cannot apply for Ola Eksempel" in response.get_data(as_text=True)
    eip = kari.get("/eksempel/ny/eip_access?lang=en")
    assert eip.status_code == 403
    assert "Access to the electronic plan is personal" in eip.get_data(as_text=True)


# --- Paper fullmakt and the caseworker ------------------------------------------------------

def upload(client, principal_nin=ADULT_NIN, name="Ola Eksempel", basis="fullmakt"):
    page = client.get("/eksempel/fullmakt/last-opp").get_data(as_text=True)
    from io import BytesIO
    return client.post("/eksempel/fullmakt/last-opp", data={
        "csrf_token": csrf_token(page), "basis": basis, "principal_nin": principal_nin,
        "principal_name": name, "scopes": ["apply", "follow"], "request_id": "r1",
        "document": (BytesIO(PNG), "fullmakt.png")}, content_type="multipart/form-data")


def test_a_paper_fullmakt_waits_for_a_caseworker_and_the_representative_sees_only_a_receipt(
        app, client, db_session):
    log_in_with_testid(client, "kari")
    check = fill_application(client, for_whom="fullmakt", subject_nin=ADULT_NIN,
                             subject_name="Ola Eksempel", document="upload")
    send(client, check)
    case = latest_case(db_session)
    [pending] = representations(db_session)
    assert (pending.status, pending.evidence) == ("pending", "document")
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "Until then you see only what you sent" in page
    assert "What has happened" not in page
    # A caseworker accepts; the representative then sees the case and is told.
    caseworker = log_in_staff(app.test_client())
    url = f"/eksempel/ansatt/fullmakter/{pending.id}"
    page = caseworker.get(url).get_data(as_text=True)
    assert "Kari Eksempel" in page
    response = caseworker.post(url, data={"csrf_token": csrf_token(page), "action": "verify"})
    assert response.status_code == 302
    verified = representations(db_session)[0]
    assert verified.status == Status.ACTIVE
    assert verified.verified_by.name == "Sara Saksbehandler"
    assert db_session.scalar(sa.select(Task).where(Task.kind == "representation_news"))
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "What has happened" in page


def test_a_caseworker_rejects_with_a_reason_the_representative_sees(app, client, db_session):
    log_in_with_testid(client, "kari")
    assert upload(client).status_code == 302
    [pending] = representations(db_session)
    assert pending.attachment_id is not None
    caseworker = log_in_staff(app.test_client())
    url = f"/eksempel/ansatt/fullmakter/{pending.id}"
    page = caseworker.get(url).get_data(as_text=True)
    assert caseworker.get(f"{url}/dokument").data == PNG
    empty = caseworker.post(url, data={"reject-csrf_token": csrf_token(page),
                                       "action": "reject", "reject-reason": ""})
    assert 'aria-invalid="true"' in empty.get_data(as_text=True)
    response = caseworker.post(url, data={"reject-csrf_token": csrf_token(page),
                                          "action": "reject",
                                          "reject-reason": "The signature is missing."})
    assert response.status_code == 302
    assert representations(db_session)[0].status == Status.REJECTED
    assert "The signature is missing." in client.get("/eksempel/fullmakt/?lang=en").get_data(
        as_text=True)


def test_desk_staff_record_that_they_have_seen_the_signed_original(app, client, db_session):
    log_in_with_testid(client, "kari")
    upload(client)
    [pending] = representations(db_session)
    desk = log_in_staff(app.test_client(), "desk@eksempel.example")
    url = f"/eksempel/ansatt/fullmakter/{pending.id}"
    page = desk.get(url).get_data(as_text=True)
    assert 'value="verify"' not in page  # accepting a document is for caseworkers
    desk.post(url, data={"csrf_token": csrf_token(page), "action": "verify"})
    assert representations(db_session)[0].status == Status.PENDING
    response = desk.post(url, data={"csrf_token": csrf_token(page), "action": "seen"})
    assert response.status_code == 302
    seen = representations(db_session)[0]
    assert (seen.status, seen.evidence) == ("active", "desk")
    assert seen.verified_by.name == "Dina Skranke"
    assert seen.verified_at is not None


def test_a_document_that_is_not_a_pdf_or_image_is_refused_next_to_the_field(client, db_session):
    log_in_with_testid(client, "kari")
    page = client.get("/eksempel/fullmakt/last-opp").get_data(as_text=True)
    from io import BytesIO
    response = client.post("/eksempel/fullmakt/last-opp", data={
        "csrf_token": csrf_token(page), "basis": "verge", "principal_nin": ADULT_NIN,
        "principal_name": "Ola Eksempel", "scopes": ["apply"], "request_id": "r2",
        "document": (BytesIO(b"MZ\x90\x00 not a pdf"), "fullmakt.pdf")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert 'id="document-error"' in page
    assert "Ola Eksempel" in page
    assert representations(db_session) == []


# --- Parents ----------------------------------------------------------------------------------

def test_a_parent_declaration_waits_for_the_check(app, client, db_session):
    log_in_with_testid(client, "kari")
    page = client.get("/eksempel/fullmakt/foreldreansvar").get_data(as_text=True)
    response = client.post("/eksempel/fullmakt/foreldreansvar", data={
        "csrf_token": csrf_token(page), "child_nin": CHILD_NIN, "child_name": "Emma Eksempel",
        "request_id": "p1"})
    assert response.status_code == 302
    [declared] = representations(db_session)
    assert (declared.basis, declared.status) == ("parent", "pending")


def test_the_demo_parent_check_confirms_the_demo_family(app_factory, db_session):
    app = app_factory(PARENT_CHECK="demo")
    client = app.test_client()
    log_in_with_testid(client, "kari")
    page = client.get("/eksempel/fullmakt/foreldreansvar").get_data(as_text=True)
    client.post("/eksempel/fullmakt/foreldreansvar", data={
        "csrf_token": csrf_token(page), "child_nin": CHILD_NIN, "child_name": "Emma Eksempel",
        "request_id": "p1"})
    [declared] = representations(db_session)
    assert (declared.status, declared.evidence) == ("active", "register")


def test_a_parent_cannot_declare_for_a_child_of_16(client, db_session):
    log_in_with_testid(client, "kari")
    page = client.get("/eksempel/fullmakt/foreldreansvar").get_data(as_text=True)
    page = client.post("/eksempel/fullmakt/foreldreansvar?lang=en", data={
        "csrf_token": csrf_token(page), "child_nin": YOUTH_NIN, "child_name": "Jonas Eksempel",
        "request_id": "p2"}).get_data(as_text=True)
    assert "16 or older and decides for themself" in page
    assert representations(db_session) == []


def test_a_parents_access_ends_the_day_the_child_turns_16(app, db_session):
    municipality = get_by_slug(db_session, "eksempel")
    born = date(2011, 6, 15)
    child = find_or_create_person(db_session, keys(app), parse_nin(generate_valid_nin(
        born, kind=NinKind.SYNTHETIC), allow_synthetic=True), name="Barn")
    parent = find_or_create_person(db_session, keys(app), parse_nin(KARI_NIN,
                                                                    allow_synthetic=True))
    with app.app_context():
        representation = service.parent_representation(
            db_session, keys(app), municipality_id=municipality.id, parent=parent, child=child,
            check=lambda *_: True)
    representation.valid_from = datetime(2020, 1, 1, tzinfo=UTC)
    ask = {"actor": parent, "principal_id": child.id, "scope": Scope.FOLLOW,
               "municipality_id": municipality.id}
    assert decide(db_session, **ask, at=datetime(2027, 6, 14, 12, tzinfo=UTC))
    ended = decide(db_session, **ask, at=datetime(2027, 6, 15, 12, tzinfo=UTC))
    assert (ended.allowed, ended.reason) == (False, "child_is_16")


def test_a_parent_who_applies_for_a_young_person_needs_their_fullmakt(app, client, db_session):
    """From 16 the young person decides: the parent's application waits for a fullmakt."""
    log_in_with_testid(client, "kari")
    send(client, fill_application(client, for_whom="child", subject_nin=YOUTH_NIN,
                                  subject_name="Jonas Eksempel"))
    [waiting] = representations(db_session)
    assert (waiting.basis, waiting.status) == (Basis.FULLMAKT, Status.PENDING)


def test_for_application_reuses_an_active_representation(app, db_session):
    municipality = get_by_slug(db_session, "eksempel")
    parent = find_or_create_person(db_session, keys(app), parse_nin(KARI_NIN,
                                                                    allow_synthetic=True))
    child = find_or_create_person(db_session, keys(app), parse_nin(CHILD_NIN,
                                                                   allow_synthetic=True))
    with app.app_context():
        first = service.for_application(db_session, keys(app), municipality_id=municipality.id,
                                        applicant=parent, subject=child, role="child",
                                        attachment_ids=[], check=lambda *_: True)
        again = service.for_application(db_session, keys(app), municipality_id=municipality.id,
                                        applicant=parent, subject=child, role="child",
                                        attachment_ids=[], check=manual)
    assert first.id == again.id
    assert first.status == Status.ACTIVE


# --- The printable form --------------------------------------------------------------------------

def test_the_printable_fullmakt_form_is_a_pdf_in_the_chosen_language(client):
    from tests.support.pdf import pdf_text

    response = client.get("/eksempel/fullmakt/skjema.pdf?lang=en")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Power of attorney" in text
    assert "Signature" in text
    assert "Fullmakt" in pdf_text(client.get("/eksempel/fullmakt/skjema.pdf?lang=nb").data)


def test_the_acting_bar_shows_only_to_people_who_may_act_for_someone(app, client):
    log_in_with_testid(client, "ola")
    assert 'class="portal-acting"' not in client.get("/eksempel/saker/").get_data(as_text=True)
    grant(client, KARI_NIN, "Kari Eksempel")
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    page = kari.get("/eksempel/saker/?lang=en").get_data(as_text=True)
    assert 'class="portal-acting"' in page
    assert "You act for yourself (Kari Eksempel)" in page
