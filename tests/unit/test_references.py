import re

import pytest

from portal.cases.references import ALPHABET, check_character, new_reference, normalise_reference

PATTERN = re.compile(r"^IP-2026-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$")


def test_a_new_reference_has_the_agreed_form():
    assert PATTERN.match(new_reference(2026))


def test_references_are_random_not_sequential():
    references = {new_reference(2026) for _ in range(500)}
    assert len(references) == 500


def test_a_new_reference_passes_its_own_check():
    for _ in range(200):
        reference = new_reference(2026)
        assert normalise_reference(reference) == reference


def test_typing_is_forgiven_for_case_spaces_and_look_alike_letters():
    reference = "IP-2026-7KQ4-M" + check_character("7KQ4M")
    typed = reference.lower().replace("-m", "-m ")
    assert normalise_reference(typed) == reference


def test_every_single_wrong_character_is_caught():
    body = "7KQ4M"
    reference = f"IP-2026-{body[:4]}-{body[4]}{check_character(body)}"
    for position in range(5):
        for char in ALPHABET:
            if char != body[position]:
                wrong = body[:position] + char + body[position + 1:]
                typed = f"IP-2026-{wrong[:4]}-{wrong[4]}{reference[-1]}"
                assert normalise_reference(typed) is None, typed


def test_swapped_neighbours_are_caught():
    body = "7KQ4M"
    check = check_character(body)
    for position in range(4):
        swapped = list(body)
        swapped[position], swapped[position + 1] = swapped[position + 1], swapped[position]
        swapped = "".join(swapped)
        if swapped != body:
            assert normalise_reference(f"IP-2026-{swapped[:4]}-{swapped[4]}{check}") is None


@pytest.mark.parametrize("typed", ["", "IP-2026", "IP-20X6-7KQ4-M9", "IP-2026-7KQ-M9", "hello"])
def test_things_that_are_not_references_are_refused(typed):
    assert normalise_reference(typed) is None
