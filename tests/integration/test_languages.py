def test_lang_parameter_is_remembered_in_a_cookie(client):
    first = client.get("/eksempel/?lang=en")
    cookie = next(c for c in first.headers.getlist("Set-Cookie") if c.startswith("lang="))
    assert "lang=en" in cookie
    assert "HttpOnly" in cookie
    assert '<html lang="en"' in client.get("/eksempel/").get_data(as_text=True)


def test_bokmal_is_the_default(client):
    assert '<html lang="nb"' in client.get("/eksempel/").get_data(as_text=True)


def test_unknown_language_falls_back_to_bokmal(client):
    response = client.get("/eksempel/?lang=de")
    assert '<html lang="nb"' in response.get_data(as_text=True)
    assert not any(c.startswith("lang=") for c in response.headers.getlist("Set-Cookie"))


def test_every_page_links_to_itself_in_each_language(client):
    page = client.get("/eksempel/samtykke?lang=nn").get_data(as_text=True)
    for code in ("nb", "nn", "en"):
        assert f'href="/eksempel/samtykke?lang={code}"' in page
    assert 'lang="nn" hreflang="nn" aria-current="true"' in page


def test_dates_are_formatted_for_the_language(client):
    english = client.get("/eksempel/samtykke?lang=en").get_data(as_text=True)
    bokmal = client.get("/eksempel/samtykke?lang=nb").get_data(as_text=True)
    assert "25 November 2026" in english
    assert "25. november 2026" in bokmal


def test_municipality_texts_follow_the_language(client):
    assert "Innbyggjartorget" in client.get("/eksempel/?lang=nn").get_data(as_text=True)
    assert "Innbyggertorget" in client.get("/eksempel/?lang=nb").get_data(as_text=True)
