"""Consents (issue 13): given per service while applying and later, changed and withdrawn at
once, delivered to the back office exactly once, seen by the back office, recorded from paper,
versioned texts, and every read by someone else logged."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.applications.payloads import validate_payload
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseEvent, Submission
from portal.cases.submissions import submission_payload
from portal.consents.models import Consent, ConsentStatus
from portal.identity.crypto import data_keys
from portal.identity.nin import NinKind, generate_valid_nin
from portal.municipalities.service import (
    MunicipalityDataError,
    get_by_slug,
    import_municipality,
    validate_municipality_data,
)
from portal.queue.models import OutboxMessage
from portal.queue.tasks import run_due_tasks
from tests.integration.factories import localized, municipality_data
from tests.support.apply import fill_application, send
from tests.support.consents import change, give, withdraw
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid, post_form
from tests.support.pdf import pdf_text
from tests.support.representation import act_for, grant

KARI_NIN = generate_valid_nin(date(1984, 9, 2), kind=NinKind.SYNTHETIC)


def consents(db_session, **where) -> list[Consent]:
    db_session.expire_all()
    query = sa.select(Consent).order_by(Consent.id)
    for name, value in where.items():
        query = query.where(getattr(Consent, name) == value)
    return list(db_session.scalars(query))


def one(db_session, recipient: str, status=ConsentStatus.ACTIVE) -> Consent:
    [found] = consents(db_session, recipient=recipient, status=status)
    return found


def consent_submissions(db_session) -> list[Submission]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(Submission).where(Submission.kind == "consent")
                                   .order_by(Submission.id)))


def payload(app, submission: Submission) -> dict:
    with app.app_context():
        return submission_payload(data_keys(), submission)


@pytest.fixture
def kari_applied(client, db_session) -> Case:
    """Kari applied for herself: yes to the plan, the GP and the home-based services."""
    log_in_with_testid(client, "kari")
    assert send(client, fill_application(client)).status_code == 302
    db_session.expire_all()
    return db_session.scalars(sa.select(Case).where(Case.kind == "ip_application")).one()


def api_consents(client, token: str, reference: str) -> dict:
    response = client.get(f"/api/v1/cases/{reference}/consents",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def current(body: dict) -> list[tuple[str, str, str]]:
    return sorted((c["purpose"], c["recipient"], c["information"]) for c in body["consents"])


# --- Applying ---------------------------------------------------------------------------------


def test_applying_records_a_consent_per_service_and_a_no_does_not_stop_the_application(
        app, client, db_session, kari_applied):
    rows = consents(db_session)
    assert [(row.purpose, row.recipient) for row in rows] == [
        ("plan", ""), ("sharing", "gp"), ("sharing", "home_services")]
    assert {row.text_version for row in rows} == {"eksempel-2026-12-01"}
    assert all(row.given_by == "person" and row.channel == "web" for row in rows)
    [application] = db_session.scalars(sa.select(Submission).where(
        Submission.kind == "ip_application")).all()
    assert {row.submission_id for row in rows} == {application.id}
    consent = payload(app, application)["consent"]
    said = {row["recipient"]: row["agrees"] for row in consent["sharing"]}
    assert said == {"gp": True, "home_services": True, "nav": False, "school": False,
                    "ppt": False, "child_welfare": False, "specialist": False}
    assert (consent["valid"], consent["missing"], consent["given_by"]) == (True, None, "self")
    assert consent["text_version"] == "eksempel-2026-12-01"
    assert "Eksempel kommune starter arbeidet" in consent["text"]  # the municipality's text


def test_a_second_application_replaces_the_consents_of_the_first(client, db_session,
                                                                   kari_applied):
    assert send(client, fill_application(client)).status_code == 302
    assert [row.status for row in consents(db_session, recipient="gp")] == [
        ConsentStatus.REPLACED, ConsentStatus.ACTIVE]
    assert len(consents(db_session, status=ConsentStatus.ACTIVE)) == 3


def test_the_check_page_says_what_a_no_means(client):
    log_in_with_testid(client, "kari")
    page = client.get(fill_application(client) + "?lang=en").get_data(as_text=True)
    assert "You said no to: NAV" in page
    assert "the plan may not cover what they do" in page


def test_the_consent_step_needs_the_plan_consent_but_no_service(client):
    log_in_with_testid(client, "kari")
    url = fill_application(client).replace("/sjekk", "/samtykke")
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="consent_version" value="([^"]+)"', page).group(1)
    refused = post_form(client, url + "?lang=en", consent_version=version)
    assert refused.status_code == 200
    assert "Tick the box to consent to the work on the plan" in refused.get_data(as_text=True)
    accepted = post_form(client, url, consent_version=version, consent_planning="y")
    assert accepted.status_code == 302  # no service at all: still applying


def test_an_unknown_text_version_is_refused_on_the_step(client):
    log_in_with_testid(client, "kari")
    url = fill_application(client).replace("/sjekk", "/samtykke")
    response = post_form(client, url + "?lang=en", consent_version="made-up",
                         consent_planning="y")
    assert "The consent text has changed" in response.get_data(as_text=True)


# --- Give, change, withdraw -------------------------------------------------------------------


def test_a_withdrawal_is_effective_at_once_and_one_transaction_with_its_outbox_message(
        app, client, db_session, kari_applied):
    gp = one(db_session, "gp")
    response = withdraw(client, gp.id)
    assert response.status_code == 302
    assert one(db_session, "gp", ConsentStatus.WITHDRAWN).ended_at is not None
    [submission] = consent_submissions(db_session)
    message = db_session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.submission_id == submission.id))
    assert message.type == "consent.submitted"
    event = db_session.scalar(sa.select(CaseEvent).where(
        CaseEvent.case_id == submission.case_id))
    assert event.type == "consent_withdrawn"
    assert db_session.get(Case, submission.case_id).kind == "consent"
    sent = payload(app, submission)
    validate_payload(sent)
    assert sent["action"] == "withdrawn"
    assert [c["recipient"] for c in sent["changed"]] == ["gp"]
    assert sorted(c["recipient"] for c in sent["consents"]) == ["", "home_services"]
    assert sent["cases"] == [{"reference": kari_applied.reference, "consent_missing": None}]
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Consent withdrawn" in page
    assert "Withdrawn" in client.get("/eksempel/samtykker/?lang=en").get_data(as_text=True)
    # Resent: the same withdrawal, no second message.
    assert withdraw(client, gp.id).status_code == 404
    assert len(consent_submissions(db_session)) == 1


def test_a_withdrawal_that_fails_before_commit_leaves_the_consent_as_it_was(
        app_factory, db_session, monkeypatch):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    gp = one(db_session, "gp")

    def fail_after_the_submission_row(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("portal.cases.opening.enqueue", fail_after_the_submission_row)
    assert withdraw(client, gp.id).status_code == 500
    assert one(db_session, "gp").status == ConsentStatus.ACTIVE
    assert consent_submissions(db_session) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.type == "consent.submitted")) == 0
    monkeypatch.undo()
    assert withdraw(client, gp.id).status_code == 302
    assert one(db_session, "gp", ConsentStatus.WITHDRAWN)


def test_the_back_offices_current_consents_follow_give_change_withdraw(
        app, client, db_session, kari_applied, token):
    reference = kari_applied.reference
    assert current(api_consents(client, token, reference)) == [
        ("plan", "", ""), ("sharing", "gp", ""), ("sharing", "home_services", "")]
    assert give(client, sharing=["nav", "specialist"], unit="BUP Eksempel").status_code == 302
    body = api_consents(client, token, reference)
    assert current(body) == [("plan", "", ""), ("sharing", "gp", ""),
                             ("sharing", "home_services", ""), ("sharing", "nav", ""),
                             ("sharing", "specialist", "")]
    assert [c["recipient_name"] for c in body["consents"] if c["recipient"] == "specialist"] \
        == ["BUP Eksempel"]
    nav = one(db_session, "nav")
    assert change(client, nav.id, information="Only about work",
                  last_day="31.12.2030").status_code == 302
    body = api_consents(client, token, reference)
    [changed] = [c for c in body["consents"] if c["recipient"] == "nav"]
    assert (changed["information"], changed["last_day"], changed["replaces"]) == (
        "Only about work", "2030-12-31", nav.id)
    assert one(db_session, "nav", ConsentStatus.REPLACED).id == nav.id
    assert withdraw(client, one(db_session, "home_services").id).status_code == 302
    assert current(api_consents(client, token, reference)) == [
        ("plan", "", ""), ("sharing", "gp", ""), ("sharing", "nav", "Only about work"),
        ("sharing", "specialist", "")]
    assert [payload(app, s)["action"] for s in consent_submissions(db_session)] == [
        "given", "changed", "withdrawn"]
    for submission in consent_submissions(db_session):
        validate_payload(payload(app, submission))
    # Every API read is in the audit log, and the person sees it.
    reads = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "consents.read")).all()
    assert len(reads) == 4
    assert all(read.target == f"case:{reference}" for read in reads)
    page = client.get("/eksempel/samtykker/?lang=en").get_data(as_text=True)
    looked = page.split("Who has looked at your consents", 1)[1]
    assert "case system" in looked
    assert "Read the consents" in looked


def test_withdrawing_the_plan_consent_makes_the_case_show_it_missing(
        client, db_session, kari_applied, token):
    assert withdraw(client, one(db_session, "").id).status_code == 302
    assert api_consents(client, token, kari_applied.reference)["consent_missing"] == "person"
    page = client.get(f"/eksempel/saker/{kari_applied.reference}?lang=en").get_data(
        as_text=True)
    assert "Consent is missing" in page
    assert give(client, plan=True).status_code == 302
    assert api_consents(client, token, kari_applied.reference)["consent_missing"] is None


def test_a_resent_confirmation_gives_one_consent(client, db_session, kari_applied):
    page = client.get("/eksempel/samtykker/ny").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "sharing": ["ppt"],
            "request_id": re.search(r'name="request_id" type="hidden" value="([^"]+)"',
                                    page).group(1),
            "consent_version": "eksempel-2026-12-01", "action": "confirm"}
    first = client.post("/eksempel/samtykker/ny", data=data)
    again = client.post("/eksempel/samtykker/ny", data=data)
    assert first.headers["Location"] == again.headers["Location"]
    assert len(consents(db_session, recipient="ppt")) == 1
    assert len(consent_submissions(db_session)) == 1


def test_giving_needs_a_choice_and_a_last_day_not_in_the_past(client, db_session,
                                                             kari_applied):
    client.get("/eksempel/samtykker/?lang=en")  # the language cookie
    page = give(client, confirm=False).get_data(as_text=True)
    assert "Choose at least one consent to give" in page
    assert 'href="#sharing-0"' in page  # the error summary links to the field
    page = give(client, sharing=["nav"], last_day="01.01.2020").get_data(as_text=True)
    assert "The last day cannot be in the past." in page
    assert consents(db_session, recipient="nav") == []


def test_the_receipt_pdf_and_email_of_a_consent(app_factory, db_session, tmp_path):
    from portal.applications.receipts import receipt_pdf

    app = app_factory(MAIL_DIRECTORY=str(tmp_path))
    client = app.test_client()
    log_in_with_testid(client, "kari")
    post_form(client, "/eksempel/min-profil", name="Kari Eksempel", email="kari@example.no",
              phone="", preferred_language="en")
    assert give(client, sharing=["nav"]).status_code == 302
    run_due_tasks(app)
    [submission] = consent_submissions(db_session)
    with app.app_context():
        text = pdf_text(receipt_pdf(db_session, submission.id))
    assert "NAV" in text
    assert "eksempel-2026-12-01" in text
    mails = [path.read_text() for path in tmp_path.glob("*.eml")]
    assert any("received the change to your consents" in mail for mail in mails)
    response = client.get(f"/eksempel/samtykker/kvittering/{submission.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"


def test_the_printable_consent_form_carries_the_text_and_its_version(client):
    response = client.get("/eksempel/samtykker/skjema.pdf?lang=en")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "eksempel-2026-12-01" in text
    assert "NAV" in text
    assert "Signature" in text


# --- Representatives --------------------------------------------------------------------------


def test_a_representative_with_the_consent_scope_changes_a_consent_for_the_principal(
        app, client, db_session):
    log_in_with_testid(client, "ola")
    send(client, fill_application(client))
    grant(client, KARI_NIN, "Kari Eksempel", scopes=("follow", "consent"))
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    act_for(kari, one(db_session, "gp").subject_person_id)
    page = kari.get("/eksempel/samtykker/?lang=en").get_data(as_text=True)
    assert "Consents for Ola Eksempel" in page
    gp = one(db_session, "gp")
    assert change(kari, gp.id, information="Only the medicine list").status_code == 302
    changed = one(db_session, "gp")
    assert (changed.given_by, changed.given_by_name, changed.information) == (
        "representative", "Kari Eksempel", "Only the medicine list")
    assert changed.representation_id is not None
    [submission] = consent_submissions(db_session)
    assert payload(app, submission)["applicant"]["role"] == "fullmakt"
    # Ola sees who has looked at his consents, and the change.
    page = client.get("/eksempel/samtykker/?lang=en").get_data(as_text=True)
    assert "Only the medicine list" in page
    looked = page.split("Who has looked at your consents", 1)[1]
    assert "Kari Eksempel" in looked
    assert "has a power of attorney from you" in looked


def test_a_representative_without_the_consent_scope_sees_no_consents(app, client, db_session):
    log_in_with_testid(client, "ola")
    send(client, fill_application(client))
    grant(client, KARI_NIN, "Kari Eksempel", scopes=("follow",))
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    act_for(kari, one(db_session, "gp").subject_person_id)
    response = kari.get("/eksempel/samtykker/?lang=en")
    assert response.status_code == 403
    assert "GP (fastlege)" not in response.get_data(as_text=True)
    assert kari.get(f"/eksempel/samtykker/{one(db_session, 'gp').id}/trekk").status_code == 403
    reference = db_session.scalar(sa.select(Case.reference).where(
        Case.kind == "ip_application"))
    case_page = kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert "GP (fastlege)" not in case_page


# --- The back office --------------------------------------------------------------------------


def test_a_paper_consent_recorded_by_a_caseworker_shows_to_the_citizen(
        app, client, db_session, kari_applied, token):
    caseworker = log_in_staff(app.test_client())
    url = f"/eksempel/ansatt/saker/{kari_applied.reference}/samtykke"
    page = caseworker.get(url).get_data(as_text=True)
    response = caseworker.post(url, data={
        "csrf_token": csrf_token(page), "request_id": "paper-1",
        "consent_version": "eksempel-2026-12-01", "sharing": ["school"], "channel": "paper",
        "given_by": "person", "given_by_name": "Kari Eksempel"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    school = one(db_session, "school")
    assert (school.channel, school.recorded_by.name) == ("paper", "Sara Saksbehandler")
    page = client.get("/eksempel/samtykker/?lang=en").get_data(as_text=True)
    assert "School or kindergarten" in page
    assert "recorded by Sara Saksbehandler" in page
    [submission] = consent_submissions(db_session)
    assert submission.submitted_by_staff_user_id == school.recorded_by_staff_user_id
    sent = payload(app, submission)
    assert sent["channel"] == "desk"
    assert sent["changed"][0]["recorded_by"]["name"] == "Sara Saksbehandler"
    # The caseworker's case page shows the consents panel.
    case_page = caseworker.get(f"/eksempel/ansatt/saker/{kari_applied.reference}?lang=en")
    assert "School or kindergarten" in case_page.get_data(as_text=True)


def test_a_caseworker_cannot_record_a_childs_own_consent(app, client, db_session):
    log_in_with_testid(client, "other", nin=generate_valid_nin(date(2012, 3, 3),
                                                                kind=NinKind.SYNTHETIC),
                       name="Siri Fjorten")
    send(client, fill_application(client))
    reference = db_session.scalar(sa.select(Case.reference).where(
        Case.kind == "ip_application"))
    caseworker = log_in_staff(app.test_client())
    url = f"/eksempel/ansatt/saker/{reference}/samtykke?lang=en"
    page = caseworker.get(url).get_data(as_text=True)
    assert "Parental consent is missing" in caseworker.get(
        f"/eksempel/ansatt/saker/{reference}?lang=en").get_data(as_text=True)
    refused = caseworker.post(url, data={
        "csrf_token": csrf_token(page), "request_id": "paper-2",
        "consent_version": "eksempel-2026-12-01", "consent_planning": "y", "channel": "paper",
        "given_by": "person", "given_by_name": "Siri Fjorten"})
    assert refused.status_code == 200
    assert "a parent must give this consent" in refused.get_data(as_text=True)
    assert consents(db_session) == []


# --- Texts ------------------------------------------------------------------------------------


def test_a_new_text_version_never_rewrites_old_consents(app, client, db_session,
                                                       kari_applied):
    municipality = get_by_slug(db_session, "eksempel")
    texts = dict(municipality.consent_texts[-1])
    new = {"version": "eksempel-2027-01-01", "plan": localized("A new plan text"),
           "sharing": localized("A new sharing text")}
    with app.app_context():
        data = {key: getattr(municipality, key) for key in (
            "slug", "name", "organisation_number", "postal_address", "phone", "email",
            "complaint_body_name", "ip_unit_name", "opening_hours", "service_desk_name",
            "plan_complaints_to", "processing_time_statement", "services")}
        import_municipality(db_session, {**data, "consent_texts": new})
        with pytest.raises(MunicipalityDataError, match="new version"):
            import_municipality(db_session, {**data, "consent_texts": {
                **new, "plan": localized("Quietly changed")}})
    db_session.commit()
    assert [v["version"] for v in municipality.consent_texts] == [
        "eksempel-2026-12-01", "eksempel-2027-01-01"]
    old = one(db_session, "gp")
    assert (old.text_version, old.text) == (texts["version"], texts["sharing"]["nb"])
    assert give(client, sharing=["nav"]).status_code == 302
    assert one(db_session, "nav").text_version == "eksempel-2027-01-01"
    assert one(db_session, "gp").text_version == "eksempel-2026-12-01"


def test_consent_texts_need_all_three_languages():
    data = municipality_data(consent_texts={"version": "1", "plan": {"nb": "x"},
                                            "sharing": localized("y")})
    with pytest.raises(MunicipalityDataError, match=r"consent_texts\.plan"):
        validate_municipality_data(data)


def test_the_service_desk_can_give_a_consent_for_a_person_present(app, db_session):
    """The functions the desk (a later issue) will call: the person present is the giver,
    the channel is the desk, and the staff member and the visit are kept."""
    from portal.consents import service
    from portal.consents.choices import Choice
    from portal.consents.models import Channel, Purpose
    from portal.identity.models import StaffUser
    from portal.identity.nin import parse_nin
    from portal.identity.persons import find_or_create_person

    municipality = get_by_slug(db_session, "eksempel")
    desk = db_session.scalar(sa.select(StaffUser).where(StaffUser.role == "desk"))
    with app.test_request_context("/eksempel/"):
        person = find_or_create_person(db_session, data_keys(), parse_nin(
            KARI_NIN, allow_synthetic=True), name="Kari Eksempel")
        giver = service.giver_for(db_session, actor=person, subject=person,
                                  municipality_id=municipality.id, channel=Channel.DESK,
                                  staff=desk, desk_visit_id="visit-17")
        submission = service.give(
            db_session, data_keys(), municipality=municipality, subject=person, giver=giver,
            choices=[Choice(Purpose.SHARING, "nav")], text_version="eksempel-2026-12-01",
            language="nb", request_id="desk-1")
        sent = submission_payload(data_keys(), submission)
    nav = one(db_session, "nav")
    assert (nav.channel, nav.recorded_by_staff_user_id, nav.desk_visit_id) == (
        "desk", desk.id, "visit-17")
    assert (submission.channel, submission.submitted_by_staff_user_id) == ("desk", desk.id)
    assert sent["changed"][0]["desk_visit_id"] == "visit-17"
    validate_payload(sent)


def test_a_choice_given_twice_in_one_go_leaves_one_consent_that_holds(app, db_session):
    """The consents held already are read once for all the choices; a choice that comes
    twice still ends with the later one holding and replacing the earlier."""
    from portal.consents import service
    from portal.consents.choices import Choice
    from portal.consents.models import Purpose
    from portal.identity.nin import parse_nin
    from portal.identity.persons import find_or_create_person

    municipality = get_by_slug(db_session, "eksempel")
    with app.test_request_context("/eksempel/"):
        person = find_or_create_person(db_session, data_keys(), parse_nin(
            KARI_NIN, allow_synthetic=True), name="Kari Eksempel")
        giver = service.giver_for(db_session, actor=person, subject=person,
                                  municipality_id=municipality.id)
        for request_id, times in (("first", 1), ("twice", 2)):
            service.give(
                db_session, data_keys(), municipality=municipality, subject=person,
                giver=giver, choices=[Choice(Purpose.SHARING, "nav")] * times,
                text_version="eksempel-2026-12-01", language="nb", request_id=request_id)
    rows = sorted(consents(db_session), key=lambda row: row.id)
    assert [row.status for row in rows] == [ConsentStatus.REPLACED] * 2 + [ConsentStatus.ACTIVE]
    assert [row.replaces_id for row in rows] == [None, rows[0].id, rows[1].id]
