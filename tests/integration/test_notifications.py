"""News by e-mail and SMS: sent when something happens that the person should see, to the
person and to those who follow the case for them, and saying only *that* there is news.

The message never holds the identity number, a name, or what the event says: only the
municipality and a link to the page where the person logs in.
"""

from __future__ import annotations

import json
import logging
from datetime import date

import httpx
import pytest
import sqlalchemy as sa

from portal.api.clients import create_client
from portal.cases.models import Case, CaseStatus
from portal.cases.references import new_reference
from portal.cases.service import apply_event
from portal.clock import utcnow
from portal.identity.crypto import data_keys
from portal.identity.models import Person
from portal.identity.nin import NinKind, generate_valid_nin, parse_nin
from portal.identity.persons import find_or_create_person
from portal.municipalities.service import get_by_slug
from portal.notifications import news, sms
from portal.notifications.mail import stored_mails
from portal.notifications.sms import SmsGatewayError, send_sms, stored_sms
from portal.queue.models import Task
from portal.queue.tasks import enqueue, run_due_tasks
from portal.representation.models import Basis, Evidence, Representation, Scope, Status

SUBJECT_NIN = generate_valid_nin(date(1976, 3, 15), kind=NinKind.SYNTHETIC)
HELPER_NIN = generate_valid_nin(date(1980, 6, 1), kind=NinKind.SYNTHETIC)
OTHER_NIN = generate_valid_nin(date(1990, 1, 20), kind=NinKind.SYNTHETIC)
ASKED_FOR = "Send the report from your physiotherapist about the knee"
SUBJECT_NAME = "Åse Ødegård"


@pytest.fixture
def app(app_factory, tmp_path):
    return app_factory(MAIL_DIRECTORY=str(tmp_path / "mail"), SMS_DIRECTORY=str(tmp_path / "sms"))


def a_person(app, db_session, nin: str, *, name: str, email: str = "", phone: str = ""):
    with app.app_context():
        person = find_or_create_person(db_session, data_keys(),
                                       parse_nin(nin, allow_synthetic=True), name=name)
    person.email, person.phone, person.preferred_language = email, phone, "en"
    return person


def a_case(app, db_session, status: CaseStatus = CaseStatus.RECEIVED) -> Case:
    subject = a_person(app, db_session, SUBJECT_NIN, name=SUBJECT_NAME,
                       email="ase@example.no", phone="+47 912 34 567")
    case = Case(municipality_id=get_by_slug(db_session, "eksempel").id, kind="ip_application",
                reference=new_reference(2026), subject_person_id=subject.id, status=status)
    db_session.add(case)
    db_session.commit()
    return case


def a_representative(app, db_session, case: Case, nin: str, scopes: list[str], **contact):
    person = a_person(app, db_session, nin, name="Helper", **contact)
    db_session.add(Representation(
        municipality_id=case.municipality_id, principal_person_id=case.subject_person_id,
        representative_person_id=person.id, basis=Basis.FULLMAKT, scopes=scopes,
        status=Status.ACTIVE, evidence=Evidence.DIGITAL))
    db_session.commit()
    return person


def ask_for_information(db_session, case: Case) -> None:
    apply_event(db_session, case, "information_requested",
                {"text": ASKED_FOR, "answer_by": "2026-12-31"})
    db_session.commit()


def run_all(app) -> None:
    """The case_news round, then the notify round it enqueued."""
    while run_due_tasks(app):
        pass


def sent(app) -> tuple[list, list]:
    with app.app_context():
        return stored_mails(), stored_sms()


def news_tasks(db_session, kind: str = "case_news") -> list[Task]:
    return list(db_session.scalars(sa.select(Task).where(Task.kind == kind)))


def test_an_api_event_enqueues_the_news_in_its_own_transaction(client, db_session, app):
    case = a_case(app, db_session)
    _, token = create_client(db_session, municipality_id=case.municipality_id, name="DIPS",
                             scopes=["cases"])
    db_session.commit()
    response = client.post(f"/api/v1/cases/{case.reference}/events", json={
        "type": "information_requested", "text": ASKED_FOR, "answer_by": "2026-12-31"},
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    [task] = news_tasks(db_session)
    assert task.payload["case_id"] == case.id
    assert task.municipality_id == case.municipality_id


def test_an_event_that_is_rolled_back_sends_no_news(db_session, app):
    case = a_case(app, db_session)
    apply_event(db_session, case, "message", {"text": "Hello"})
    db_session.rollback()
    assert news_tasks(db_session) == []


def test_the_person_gets_an_email_and_an_sms_with_a_link_and_nothing_else(db_session, app):
    case = a_case(app, db_session)
    ask_for_information(db_session, case)
    run_all(app)
    [mail], [text] = sent(app)
    assert mail.to == "ase@example.no"
    assert text.to == "+47 912 34 567"
    link = f"http://127.0.0.1:5000/eksempel/saker/{case.reference}"
    for message in (mail.subject + mail.body, text.text):
        assert link in message
        assert "Eksempel kommune" in message
        assert SUBJECT_NIN not in message
        assert SUBJECT_NIN[:6] not in message  # not even the birth date
        assert ASKED_FOR not in message
        assert SUBJECT_NAME not in message
        assert "physiotherap" not in message.lower()


def test_a_decision_is_news_but_its_outcome_is_not_in_the_message(db_session, app):
    case = a_case(app, db_session, CaseStatus.IN_PROGRESS)
    apply_event(db_session, case, "decision", {"outcome": "refused", "decision_date": "2026-05-01",
                                               "complaint_deadline": "2026-05-22"})
    db_session.commit()
    run_all(app)
    [mail], [text] = sent(app)
    for message in (mail.subject + mail.body, text.text):
        assert "refused" not in message.lower()
        assert "2026" not in message.replace(case.reference, "")


def test_a_representative_who_follows_the_case_hears_of_it_and_one_who_does_not_does_not(
    db_session, app,
):
    case = a_case(app, db_session)
    a_representative(app, db_session, case, HELPER_NIN, [Scope.FOLLOW, Scope.APPLY],
                     email="helper@example.no", phone="+47 922 22 222")
    a_representative(app, db_session, case, OTHER_NIN, [Scope.APPLY],
                     email="applies-only@example.no", phone="+47 933 33 333")
    ask_for_information(db_session, case)
    run_all(app)
    mails, texts = sent(app)
    assert sorted(mail.to for mail in mails) == ["ase@example.no", "helper@example.no"]
    assert sorted(text.to for text in texts) == ["+47 912 34 567", "+47 922 22 222"]


def test_a_revoked_representation_stops_news_not_yet_sent(db_session, app):
    case = a_case(app, db_session)
    a_representative(app, db_session, case, HELPER_NIN, [Scope.FOLLOW], email="h@example.no")
    ask_for_information(db_session, case)
    run_due_tasks(app)  # the fan-out: one notify task per person and channel
    for representation in db_session.scalars(sa.select(Representation)):
        representation.status = Status.REVOKED
    db_session.commit()
    run_all(app)
    mails, _texts = sent(app)
    assert [mail.to for mail in mails] == ["ase@example.no"]


def test_a_person_without_email_or_phone_gets_nothing_and_the_task_is_done(db_session, app):
    case = a_case(app, db_session)
    subject = db_session.get(Person, case.subject_person_id)
    subject.email = subject.phone = ""
    db_session.commit()
    ask_for_information(db_session, case)
    run_all(app)
    assert sent(app) == ([], [])
    assert all(task.done_at for task in news_tasks(db_session))


def test_a_retried_task_never_sends_the_same_message_twice(db_session, app, monkeypatch):
    case = a_case(app, db_session)
    ask_for_information(db_session, case)
    run_due_tasks(app)  # the fan-out
    real_send_sms = news.send_sms

    def gateway_down(to: str, text: str) -> None:
        raise SmsGatewayError("the SMS gateway answered 503")

    monkeypatch.setattr(news, "send_sms", gateway_down)
    assert run_due_tasks(app) == 1  # the e-mail went; the SMS waits for a retry
    [failed] = [t for t in news_tasks(db_session, "notify") if t.done_at is None]
    assert (failed.payload["channel"], failed.attempts) == ("sms", 1)
    monkeypatch.setattr(news, "send_sms", real_send_sms)
    failed.run_after = utcnow()  # as if the backoff's time had come
    db_session.commit()
    assert run_due_tasks(app) == 1
    assert run_due_tasks(app) == 0
    mails, texts = sent(app)
    assert (len(mails), len(texts)) == (1, 1)


@pytest.mark.parametrize("event_type", ["received", "in_progress"])
def test_the_back_office_taking_or_starting_the_case_is_no_news(db_session, app, event_type):
    case = a_case(app, db_session, CaseStatus.SUBMITTED)
    apply_event(db_session, case, event_type, {})
    db_session.commit()
    assert news_tasks(db_session) == []
    run_all(app)
    assert sent(app) == ([], [])


def test_the_representative_hears_that_the_representation_was_checked(
    db_session, app, monkeypatch,
):
    case = a_case(app, db_session)
    helper = a_representative(app, db_session, case, HELPER_NIN, [Scope.FOLLOW],
                              email="helper@example.no", phone="+47 922 22 222")
    representation = db_session.scalar(sa.select(Representation))
    links = []

    def link(endpoint: str, **values) -> str:
        links.append((endpoint, values))
        return "https://portal.example/eksempel/fullmakter"

    monkeypatch.setattr(news, "_link", link)
    with app.app_context():
        enqueue(db_session, "representation_news", case.municipality_id,
                representation_id=representation.id)
    db_session.commit()
    run_all(app)
    [mail], [text] = sent(app)
    assert (mail.to, text.to) == (helper.email, helper.phone)
    assert links == [("representation.index", {"municipality_slug": "eksempel"})] * 2
    for message in (mail.subject + mail.body, text.text):
        assert "https://portal.example/eksempel/fullmakter" in message
        assert SUBJECT_NAME not in message
        assert HELPER_NIN not in message
        assert SUBJECT_NIN[:6] not in message


def test_the_message_is_in_the_persons_language(app):
    with app.app_context():
        message = news.case_news_message("en", "Eksempel kommune", "https://p.example/x")
    assert message.subject == "News in a case at Eksempel kommune"
    assert message.sms == ("There is news in a case you follow at Eksempel kommune. "
                           "Log in to read it: https://p.example/x")


# The SMS channel itself.


def test_the_file_channel_writes_one_file_per_sms_newest_first(app, tmp_path):
    with app.app_context():
        send_sms("+47 912 34 567", "Første")
        send_sms("+47 912 34 567", "Andre ÆØÅ")
        messages = stored_sms()
    assert len(list((tmp_path / "sms").glob("*.json"))) == 2
    assert [m.text for m in messages] == ["Andre ÆØÅ", "Første"]


def test_the_none_channel_drops_the_sms_and_logs_neither_number_nor_text(
    app_factory, tmp_path, caplog,
):
    app = app_factory(SMS_BACKEND="none", SMS_DIRECTORY=str(tmp_path))
    with app.app_context(), caplog.at_level(logging.DEBUG, logger="portal.notifications"):
        send_sms("+47 912 34 567", "Secret text")
        assert stored_sms() == []
    assert "dropped" in caplog.text
    assert "912" not in caplog.text
    assert "Secret" not in caplog.text


def gateway_app(app_factory, monkeypatch, handler):
    monkeypatch.setattr(sms, "_http_client",
                        lambda: httpx.Client(transport=httpx.MockTransport(handler)))
    return app_factory(SMS_BACKEND="http", SMS_GATEWAY_URL="https://sms.example/send",
                       SMS_GATEWAY_TOKEN="gateway-token")


def test_the_http_channel_posts_json_with_the_bearer_token(app_factory, monkeypatch, caplog):
    requests: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(202)

    app = gateway_app(app_factory, monkeypatch, gateway)
    with app.app_context(), caplog.at_level(logging.DEBUG, logger="portal.notifications"):
        send_sms("+4791234567", "Det er nytt i saken din.")
    [request] = requests
    assert str(request.url) == "https://sms.example/send"
    assert request.headers["Authorization"] == "Bearer gateway-token"
    assert json.loads(request.content) == {"to": "+4791234567",
                                           "text": "Det er nytt i saken din."}
    assert "91234567" not in caplog.text


def test_the_http_channel_raises_when_the_gateway_refuses_so_the_task_is_retried(
    app_factory, monkeypatch,
):
    app = gateway_app(app_factory, monkeypatch, lambda request: httpx.Response(500))
    with app.app_context(), pytest.raises(SmsGatewayError, match="500"):
        send_sms("+4791234567", "Hei")


def test_the_development_page_lists_sent_sms(app):
    with app.app_context():
        send_sms("+47 912 34 567", "Det er nytt: https://portal.example/eksempel/saker/X")
    page = app.test_client().get("/utvikling/sms?lang=en")
    assert page.status_code == 200
    assert "+47 912 34 567" in page.get_data(as_text=True)


def test_the_development_sms_page_does_not_exist_without_the_development_login(app_factory):
    client = app_factory(DEV_LOGIN_ENABLED=False).test_client()
    assert client.get("/utvikling/sms").status_code == 404
