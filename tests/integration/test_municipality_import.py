import pytest

from portal.municipalities.service import (
    MunicipalityDataError,
    get_by_slug,
    import_municipality,
    import_municipality_file,
)
from tests.integration.factories import municipality_data


def test_import_creates_and_then_updates_by_slug(db_session):
    import_municipality(db_session, municipality_data(name="Testby kommune"))
    import_municipality(db_session, municipality_data(name="Testby kommune (ny)"))
    assert get_by_slug(db_session, "testby").name == "Testby kommune (ny)"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"organisation_number": "921000007"}, "organisation_number: the check digit is wrong"),
        ({"organisation_number": "12345"}, "organisation_number: must be 9 digits"),
        ({"slug": "Not A Slug"}, "slug: use lower-case letters"),
        ({"brand_colour": "#ffeeaa"}, "brand_colour: too light"),
        ({"brand_colour": "blue"}, "brand_colour: use a colour like"),
        ({"email": "not-an-address"}, "email:"),
        ({"opening_hours": {"nb": "Hverdager"}}, "opening_hours: give the text in nb, nn and en"),
        ({"phone": ""}, "missing fields: phone"),
        ({"colour": "#000000"}, "unknown fields: colour"),
        ({"services": [{"key": "x y"}]}, "services: every service needs a key"),
    ],
)
def test_import_refuses_bad_data_with_a_message_naming_the_field(db_session, changes, message):
    with pytest.raises(MunicipalityDataError, match=message):
        import_municipality(db_session, municipality_data(**changes))


def test_import_file_reports_broken_toml(tmp_path, db_session):
    path = tmp_path / "broken.toml"
    path.write_text('slug = "a\n')
    with pytest.raises(MunicipalityDataError, match="not valid TOML"):
        import_municipality_file(db_session, path)


def test_cli_imports_the_demo_file_again_without_duplicating(runner, db_session, project_root):
    result = runner.invoke(
        args=["portal", "import-municipality", str(project_root / "portal/demo/eksempel.toml")]
    )
    assert result.exit_code == 0, result.output
    assert "Imported Eksempel kommune at /eksempel/" in result.output


def test_cli_reports_a_bad_file_without_a_traceback(runner, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('slug = "bad"\n')
    result = runner.invoke(args=["portal", "import-municipality", str(path)])
    assert result.exit_code != 0
    assert "missing fields" in result.output
    assert "Traceback" not in result.output
