import pytest

from portal.info.pages import PAGES, STATEMENTS
from portal.municipalities.service import import_municipality
from tests.integration.factories import municipality_data

ALL_PAGES = [page.path for page in PAGES + STATEMENTS]


def test_root_goes_straight_to_the_only_municipality(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/eksempel/"


def test_root_lists_municipalities_when_there_are_several(client, db_session):
    import_municipality(db_session, municipality_data(slug="annen", name="Annen kommune"))
    db_session.commit()
    response = client.get("/?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/annen/"' in page
    assert 'href="/eksempel/"' in page


def test_unknown_municipality_is_not_found(client):
    assert client.get("/finnes-ikke/").status_code == 404


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("path", ["", *ALL_PAGES])
def test_every_information_page_renders_in_every_language(client, path, language):
    response = client.get(f"/eksempel/{path}?lang={language}")
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.get_data(as_text=True)


def test_information_pages_show_the_municipality_details(client):
    page = client.get("/eksempel/kontakt?lang=en").get_data(as_text=True)
    assert "12 34 56 78" in page
    assert "postmottak@eksempel.example" in page
    assert "Allocation and Coordination Unit" in page


def test_brand_colour_is_served_as_css_not_inline(client):
    response = client.get("/eksempel/brand.css")
    assert response.mimetype == "text/css"
    assert "--portal-brand: #1f4e79" in response.get_data(as_text=True)
    page = client.get("/eksempel/").get_data(as_text=True)
    assert 'href="/eksempel/brand.css"' in page


@pytest.fixture
def cached_app(app_factory, engine):
    """An app that keeps municipalities for a minute, and a list of the SQL it sends."""
    import sqlalchemy as sa

    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    yield app_factory(MUNICIPALITY_CACHE_SECONDS=60), statements
    sa.event.remove(engine, "before_cursor_execute", remember)


def test_a_process_keeps_the_municipality_so_a_plain_page_needs_no_query(cached_app):
    app, statements = cached_app
    client = app.test_client()
    assert client.get("/eksempel/").status_code == 200
    statements.clear()
    assert client.get("/eksempel/").status_code == 200
    assert not [s for s in statements if "municipality" in s]


def test_a_change_in_this_process_shows_at_once(cached_app, db_session):
    app, _statements = cached_app
    client = app.test_client()
    client.get("/eksempel/")
    with app.app_context():
        import_municipality(db_session, municipality_data(slug="eksempel",
                                                          name="Nytt navn kommune"))
    assert "Nytt navn kommune" in client.get("/eksempel/").get_data(as_text=True)


def test_an_unknown_municipality_is_not_kept(cached_app):
    app, _statements = cached_app
    client = app.test_client()
    assert client.get("/finnes-ikke/").status_code == 404
    assert "finnes-ikke" not in app.extensions.get("portal.municipalities", {})
