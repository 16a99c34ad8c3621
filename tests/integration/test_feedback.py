import sqlalchemy as sa

from portal.feedback.models import PageFeedback
from tests.support.flows import post_form

USEFUL = "/eksempel/tilbakemelding/nyttig"
COMMENT = "/eksempel/tilbakemelding/kommentar"
CHECK = "/eksempel/tilbakemelding/sjekk"


def post(client, url, **data):
    return post_form(client, url, **data)


def feedback_rows(db_session):
    return db_session.scalars(sa.select(PageFeedback)).all()


def test_feedback_goes_through_steps_check_and_confirmation(client, db_session):
    first = post(client, f"{USEFUL}?page=consent", page="consent", useful="no")
    assert first.headers["Location"] == COMMENT
    second = post(client, COMMENT, comment="Explain what consent covers.")
    assert second.headers["Location"] == CHECK
    check_page = client.get(f"{CHECK}?lang=en").get_data(as_text=True)
    assert "Explain what consent covers." in check_page
    sent = post(client, CHECK)
    assert sent.headers["Location"] == "/eksempel/tilbakemelding/takk?page=consent"
    [row] = feedback_rows(db_session)
    assert (row.page, row.useful, row.comment) == ("consent", False, "Explain what consent covers.")
    assert client.get(sent.headers["Location"]).status_code == 200


def test_no_answer_shows_error_summary_linked_to_the_field(client, db_session):
    response = post(client, f"{USEFUL}?lang=en", page="start")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Was this page useful?" in page
    assert 'href="#useful-0">Choose yes or no</a>' in page
    assert 'id="useful-error"' in page
    assert feedback_rows(db_session) == []


def test_too_long_comment_keeps_what_was_written(client):
    text = "a" * 1001
    response = post(client, f"{USEFUL}", page="start", useful="yes")
    response = post(client, f"{COMMENT}?lang=en", comment=text)
    page = response.get_data(as_text=True)
    assert "Write at most 1000 characters" in page
    assert text in page
    assert 'aria-invalid="true"' in page


def test_change_link_returns_to_check_your_answers(client):
    post(client, USEFUL, page="start", useful="yes")
    post(client, COMMENT, comment="")
    check_page = client.get(f"{CHECK}?lang=en").get_data(as_text=True)
    assert "/eksempel/tilbakemelding/nyttig?return_to=check" in check_page
    changed = post(client, f"{USEFUL}?return_to=check", page="start", useful="no")
    assert changed.headers["Location"] == CHECK


def test_tampered_page_key_is_recorded_as_the_front_page(client, db_session):
    post(client, USEFUL, page="../../etc", useful="yes")
    post(client, COMMENT, comment="")
    post(client, CHECK)
    [row] = feedback_rows(db_session)
    assert row.page == "start"


def test_check_page_without_answers_starts_again(client):
    assert client.get(CHECK).headers["Location"] == USEFUL


def test_info_page_has_the_feedback_form(client):
    page = client.get("/eksempel/samtykke?lang=en").get_data(as_text=True)
    assert f'action="{USEFUL}"' in page
    assert 'name="page" type="hidden" value="consent"' in page
