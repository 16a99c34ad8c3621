"""The start page and information pages, kept as rendered for visitors who bring nothing of
their own (portal/page_cache.py): rendered once, each visitor's CSRF token put back in."""

import pytest
from flask import template_rendered

from portal.municipalities.service import import_municipality
from tests.integration.factories import municipality_data
from tests.support.flows import csrf_token, log_in_with_testid

PAGE = "/eksempel/individuell-plan"


@pytest.fixture
def cached(app_factory):
    """An app that keeps pages for a minute, and the names of the templates it renders."""
    app = app_factory(PAGE_CACHE_SECONDS=60, MUNICIPALITY_CACHE_SECONDS=60)
    rendered: list[str] = []

    def remember(_app, template, **_extra) -> None:
        rendered.append(template.name)

    template_rendered.connect(remember, app)
    yield app, rendered
    template_rendered.disconnect(remember, app)


def test_a_page_is_rendered_once_and_each_visitor_gets_their_own_token(cached):
    app, rendered = cached
    first, second = app.test_client(), app.test_client()
    page_one = first.get(PAGE).get_data(as_text=True)
    page_two = second.get(PAGE).get_data(as_text=True)
    assert rendered.count("info/individual_plan.html") == 1
    token_one, token_two = csrf_token(page_one), csrf_token(page_two)
    assert token_one != token_two
    assert page_two == page_one.replace(token_one, token_two)
    # The kept page's token is the second visitor's own: their feedback is taken.
    answer = second.post("/eksempel/tilbakemelding/nyttig", data={
        "csrf_token": token_two, "page": "individual_plan", "useful": "yes"})
    assert answer.status_code == 302


def test_a_page_without_a_form_sets_no_cookie_when_kept(cached):
    app, rendered = cached
    for _ in range(2):
        response = app.test_client().get("/eksempel/")
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
    assert rendered.count("info/start.html") == 1


def test_languages_and_addresses_are_kept_apart(cached):
    app, _rendered = cached
    client = app.test_client()
    assert '<html lang="en"' in client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert '<html lang="nn"' in client.get(f"{PAGE}?lang=nn").get_data(as_text=True)
    # The language remembered in the cookie, not only the one asked for in the address.
    assert '<html lang="nn"' in client.get(PAGE).get_data(as_text=True)
    assert '<html lang="nb"' in app.test_client().get(PAGE).get_data(as_text=True)
    assert "Kontakt" in app.test_client().get("/eksempel/kontakt").get_data(as_text=True)


def test_a_logged_in_visitor_gets_the_page_rendered_for_them(cached):
    app, rendered = cached
    app.test_client().get(PAGE)
    client = app.test_client()
    log_in_with_testid(client)
    for _ in range(2):
        assert "Logg ut" in client.get(PAGE).get_data(as_text=True)
    assert rendered.count("info/individual_plan.html") == 3


def test_a_notice_in_the_session_gets_the_page_rendered(cached):
    app, rendered = cached
    app.test_client().get(PAGE)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "En melding til deg")]
    assert "En melding til deg" in client.get(PAGE).get_data(as_text=True)
    assert rendered.count("info/individual_plan.html") == 2


def test_other_query_parameters_get_the_page_rendered(cached):
    app, rendered = cached
    client = app.test_client()
    client.get(f"{PAGE}?utm=1")
    client.get(f"{PAGE}?utm=2")
    assert rendered.count("info/individual_plan.html") == 2


def test_a_change_to_the_municipality_shows_at_once(cached, db_session):
    app, _rendered = cached
    client = app.test_client()
    client.get(PAGE)
    with app.app_context():
        import_municipality(db_session, municipality_data(slug="eksempel",
                                                          name="Nytt navn kommune"))
    assert "Nytt navn kommune" in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize(("profile", "seconds"),
                         [("production", 30), ("development", 0), ("test", 0)])
def test_production_keeps_pages_and_development_shows_a_changed_template_at_once(
        tmp_path, profile, seconds):
    from portal.config import profile_defaults

    assert profile_defaults(profile, tmp_path)["PAGE_CACHE_SECONDS"] == seconds
