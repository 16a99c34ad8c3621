"""Every user-facing string is translated into nb, nn and en, and no catalogue is stale."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("nb", "nn", "en")


def catalogue(language: str):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


@pytest.fixture(scope="module")
def source_strings(tmp_path_factory) -> set[str]:
    """The strings marked for translation in the code and templates right now."""
    output = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(  # noqa: S603 - fixed command, no user input
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(output), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with output.open("rb") as file:
        return {message.id for message in read_po(file) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_not_marked_fuzzy_as_a_whole(language):
    # pybabel compile skips a catalogue whose header is fuzzy: the site would be in English.
    assert catalogue(language).fuzzy is False


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_fully_translated(language):
    problems = [
        f"{'fuzzy' if message.fuzzy else 'missing'}: {message.id!r}"
        for message in catalogue(language)
        if message.id and (message.fuzzy or not message.string
                           or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_source_string(language, source_strings):
    translated = {message.id for message in catalogue(language) if message.id}
    assert sorted(source_strings - translated) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    wrong = [
        message.id
        for message in catalogue(language)
        if message.id and isinstance(message.string, str)
        and sorted(placeholder.findall(message.id)) != sorted(placeholder.findall(message.string))
    ]
    assert wrong == []
