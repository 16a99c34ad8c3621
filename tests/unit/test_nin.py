"""Specification of portal.identity.nin: Norwegian national identity numbers.

Expected check digits are worked out here independently of the module: instead of the
"11 minus the remainder" formula, the helpers below try all ten digits and keep the one
that makes the weighted sum (weight 1 on the check digit itself) divisible by 11.

Hard-coded numbers come from public examples and test data:
* Skatteetaten, "Nytt fødselsnummer fra 2032": 30108299920, 30108299939, 02013299997,
  02013299903.
* Skatteetaten, "Utvidelse av D-nummerserien" (Tenor test numbers): 41814061033,
  41810021827.
* Tenor and NAV synthetic examples quoted in navikt/fnrvalidator issue 116.
The others were made with the helpers below. Like any valid number they may belong to
someone, but nothing here says anything about a person. The test
``test_table_numbers_have_the_check_digits_the_table_claims`` checks every accepted number
in the table against the helpers' arithmetic.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Sequence
from typing import NamedTuple

import pytest
import time_machine

from portal.identity.nin import (
    InvalidNin,
    InvalidNinCode,
    NinKind,
    generate_valid_nin,
    parse_nin,
)

pytestmark = pytest.mark.dates  # run again at 23:30 UTC by make test

TODAY = datetime.date(2026, 11, 25)
K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
DIGITS = "0123456789"


def control_remainder(digits: str, weights: Sequence[int]) -> int:
    """Weighted sum of ``digits`` modulo 11, the last digit (the check digit) weighing 1."""
    return (
        sum(int(digit) * weight for digit, weight in zip(digits, (*weights, 1), strict=True)) % 11
    )


def with_k1_remainder(first_nine: str, remainder: int) -> str:
    """The number whose K1 leaves ``remainder`` (0 = classic) and whose K2 is classic."""
    for k1 in DIGITS:
        if control_remainder(first_nine + k1, K1_WEIGHTS) != remainder:
            continue
        for k2 in DIGITS:
            if control_remainder(first_nine + k1 + k2, K2_WEIGHTS) == 0:
                return first_nine + k1 + k2
    raise ValueError(f"{first_nine} has no check digits for remainder {remainder}")


def classic(first_nine: str) -> str:
    return with_k1_remainder(first_nine, 0)


def date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


class Accepted(NamedTuple):
    kind: NinKind
    birth_date: datetime.date
    uses_2032_rule: bool


def accepted(
    typed: str,
    kind: NinKind,
    born: str,
    *,
    name: str,
    allow_synthetic: bool = False,
    today: datetime.date = TODAY,
    uses_2032_rule: bool = False,
) -> object:
    expected = Accepted(kind, date(born), uses_2032_rule)
    return pytest.param(typed, allow_synthetic, today, expected, id=name)


def refused(
    typed: str,
    code: InvalidNinCode,
    *,
    name: str,
    allow_synthetic: bool = False,
    today: datetime.date = TODAY,
) -> object:
    return pytest.param(typed, allow_synthetic, today, code, id=name)


FNR, D, H, SYN = NinKind.FNR, NinKind.D_NUMBER, NinKind.H_NUMBER, NinKind.SYNTHETIC
C = InvalidNinCode
DAY_2032 = date("2032-01-02")

TABLE = [
    # Ordinary numbers, and the century read from the individual number (digits 7-9).
    accepted("15037623455", FNR, "1976-03-15", name="individual-000-499-is-1900s"),
    accepted("30108299920", FNR, "1982-10-30", name="individual-900-999-year-82-is-1900s"),
    accepted("01014595089", FNR, "1945-01-01", name="individual-900-999-year-40-99-is-1900s"),
    accepted("31129956715", FNR, "1899-12-31", name="individual-500-749-year-54-99-is-1800s"),
    accepted("01011051118", FNR, "2010-01-01", name="individual-500-999-year-00-39-is-2000s"),
    refused("01014580049", C.BAD_DATE, name="individual-750-899-year-40-99-has-no-century"),
    refused("01015060057", C.BAD_DATE, name="individual-500-749-year-40-53-has-no-century"),
    accepted("29020059905", FNR, "2000-02-29", name="29-february-2000-exists"),
    refused("29020019954", C.BAD_DATE, name="29-february-1900-does-not-exist"),
    refused("29022359914", C.BAD_DATE, name="29-february-2023-does-not-exist"),
    refused("31048029739", C.BAD_DATE, name="31-april-does-not-exist"),
    refused("15138029953", C.BAD_DATE, name="month-13"),
    refused("15008029935", C.BAD_DATE, name="month-00"),
    refused("00018029979", C.BAD_DATE, name="day-00"),
    refused("00000000000", C.BAD_DATE, name="all-zeros-passes-checksum-but-has-no-date"),
    refused("85018029931", C.BAD_DATE, name="first-digit-8-old-h-convention"),
    refused("15538029936", C.BAD_DATE, name="month-53-is-no-h-number-month"),
    # Birth date and today.
    accepted("25112659989", FNR, "2026-11-25", name="born-today"),
    refused("26112659918", C.IN_FUTURE, name="born-tomorrow"),
    refused("01013999984", C.IN_FUTURE, name="born-2039"),
    refused("02013299997", C.IN_FUTURE, name="born-2032-seen-from-2026"),
    accepted("02013299997", FNR, "2032-01-02", today=DAY_2032, name="born-2032-seen-then"),
    # Only whitespace is removed.
    accepted("150376 23455", FNR, "1976-03-15", name="space-between-date-and-personal-number"),
    accepted(" 15037623455\n", FNR, "1976-03-15", name="leading-and-trailing-whitespace"),
    accepted("150376\u00a023455", FNR, "1976-03-15", name="non-breaking-space"),
    accepted("15 03 76 234 55", FNR, "1976-03-15", name="spaces-everywhere"),
    refused("150376-23455", C.NOT_DIGITS, name="hyphen"),
    refused("15037623A55", C.NOT_DIGITS, name="letter"),
    refused("abc", C.NOT_DIGITS, name="letters-reported-before-length"),
    refused(
        "\uff11\uff15\uff10\uff13\uff17\uff16\uff12\uff13\uff14\uff15\uff15",
        C.NOT_DIGITS,
        name="full-width-digits",
    ),
    refused("", C.EMPTY, name="empty"),
    refused(" \t\n", C.EMPTY, name="only-whitespace"),
    refused("1503762345", C.WRONG_LENGTH, name="ten-digits"),
    refused("150376234550", C.WRONG_LENGTH, name="twelve-digits"),
    # Check digits.
    refused("15037623456", C.BAD_CHECKSUM, name="last-digit-wrong"),
    refused("12345678910", C.BAD_CHECKSUM, name="placeholder-12345678910"),
    refused("15037649080", C.BAD_CHECKSUM, name="second-check-digit-would-be-10"),
    refused("31048029730", C.BAD_CHECKSUM, name="checksum-reported-before-impossible-date"),
    # The 2032 rule: K1 may leave remainder 0-3; K2 stays classic.
    accepted("30108299939", FNR, "1982-10-30", uses_2032_rule=True, name="2032-remainder-1"),
    accepted(
        "02013299903",
        FNR,
        "2032-01-02",
        uses_2032_rule=True,
        today=DAY_2032,
        name="2032-remainder-2",
    ),
    accepted(
        with_k1_remainder("301082999", 3),
        FNR,
        "1982-10-30",
        uses_2032_rule=True,
        name="2032-remainder-3",
    ),
    refused(with_k1_remainder("301082999", 4), C.BAD_CHECKSUM, name="2032-remainder-4"),
    refused(with_k1_remainder("301082999", 7), C.BAD_CHECKSUM, name="2032-remainder-7"),
    accepted(
        with_k1_remainder("150376487", 1),
        FNR,
        "1976-03-15",
        uses_2032_rule=True,
        name="2032-rule-where-classic-k1-would-be-10",
    ),
    # D-numbers: day + 40. Since 2021 D-numbers use more individual numbers per century.
    accepted("55037623449", D, "1976-03-15", name="d-number-day-plus-40"),
    accepted("41014581098", D, "1945-01-01", name="d-number-2021-individual-810-year-45"),
    accepted("41010530006", D, "2005-01-01", name="d-number-2021-individual-300-year-05"),
    accepted("71033030260", D, "1930-03-31", name="d-number-ambiguous-century-not-future"),
    accepted(
        "71033030260",
        D,
        "2030-03-31",
        today=date("2030-03-31"),
        name="d-number-ambiguous-century-latest-past",
    ),
    # H-numbers: month + 40. Never also a D-number.
    accepted("15507600333", H, "1976-10-15", name="h-number-month-plus-40"),
    accepted("29422059278", H, "2020-02-29", name="h-number-leap-day"),
    refused("69422056629", C.BAD_DATE, name="d-and-h-together"),
    # Synthetic (Tenor) numbers: month + 80, also as D-numbers; only when allowed.
    accepted("17912099997", SYN, "2020-11-17", allow_synthetic=True, name="synthetic"),
    accepted("29822099635", SYN, "2020-02-29", allow_synthetic=True, name="synthetic-leap-day"),
    accepted("21929774873", SYN, "1897-12-21", allow_synthetic=True, name="synthetic-1800s"),
    accepted("57912075186", SYN, "2020-11-17", allow_synthetic=True, name="synthetic-d"),
    accepted("61883600222", SYN, "1936-08-21", allow_synthetic=True, name="synthetic-d-1936"),
    accepted(
        "41814061033",
        SYN,
        "1940-01-01",
        allow_synthetic=True,
        name="synthetic-d-2021-individual-610-year-40",
    ),
    accepted(
        "41810021827",
        SYN,
        "2000-01-01",
        allow_synthetic=True,
        name="synthetic-d-2021-individual-218-year-00",
    ),
    refused("15938029919", C.BAD_DATE, allow_synthetic=True, name="synthetic-month-93"),
    refused("17912099997", C.SYNTHETIC_NOT_ALLOWED, name="synthetic-not-allowed"),
    refused("57912075186", C.SYNTHETIC_NOT_ALLOWED, name="synthetic-d-not-allowed"),
    refused("41814061033", C.SYNTHETIC_NOT_ALLOWED, name="synthetic-d-2021-not-allowed"),
]


@pytest.mark.parametrize(("typed", "allow_synthetic", "today", "expected"), TABLE)
def test_number_table(
    typed: str,
    allow_synthetic: bool,
    today: datetime.date,
    expected: Accepted | InvalidNinCode,
) -> None:
    if isinstance(expected, InvalidNinCode):
        with pytest.raises(InvalidNin) as refusal:
            parse_nin(typed, allow_synthetic=allow_synthetic, today=today)
        assert refusal.value.code is expected
    else:
        nin = parse_nin(typed, allow_synthetic=allow_synthetic, today=today)
        assert Accepted(nin.kind, nin.birth_date, nin.uses_2032_rule) == expected
        assert nin.value == "".join(typed.split())


def test_table_numbers_have_the_check_digits_the_table_claims() -> None:
    """Guards the table itself: accepted numbers pass the independent arithmetic."""
    for case in TABLE:
        typed, _, _, expected = case.values
        if isinstance(expected, Accepted):
            digits = "".join(typed.split())
            k1_remainder = control_remainder(digits[:10], K1_WEIGHTS)
            assert control_remainder(digits, K2_WEIGHTS) == 0, case.id
            assert (k1_remainder != 0) is expected.uses_2032_rule, case.id
            assert k1_remainder in {0, 1, 2, 3}, case.id


# Check digits catch typing mistakes, under the 2032 rule too.

TYPO_SAMPLES = ["15037623455", "55037623449", "30108299939", "17912099997"]


@pytest.mark.parametrize("number", TYPO_SAMPLES)
def test_every_single_wrong_digit_is_refused_as_bad_checksum(number: str) -> None:
    for position, original in enumerate(number):
        for replacement in DIGITS.replace(original, ""):
            typo = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(InvalidNin) as refusal:
                parse_nin(typo, allow_synthetic=True, today=TODAY)
            assert refusal.value.code is InvalidNinCode.BAD_CHECKSUM, typo


@pytest.mark.parametrize("number", TYPO_SAMPLES)
def test_every_swap_of_two_neighbouring_digits_is_refused_as_bad_checksum(number: str) -> None:
    for position in range(len(number) - 1):
        if number[position] == number[position + 1]:
            continue
        swapped = (
            number[:position] + number[position + 1] + number[position] + number[position + 2 :]
        )
        with pytest.raises(InvalidNin) as refusal:
            parse_nin(swapped, allow_synthetic=True, today=TODAY)
        assert refusal.value.code is InvalidNinCode.BAD_CHECKSUM, swapped


@pytest.mark.parametrize("last_digit", DIGITS)
def test_a_number_whose_second_check_digit_would_be_10_is_never_valid(last_digit: str) -> None:
    with pytest.raises(InvalidNin) as refusal:
        parse_nin("1503764908" + last_digit, allow_synthetic=True, today=TODAY)
    assert refusal.value.code is InvalidNinCode.BAD_CHECKSUM


def test_classic_numbers_do_not_use_the_2032_rule() -> None:
    assert parse_nin("30108299920", allow_synthetic=False, today=TODAY).uses_2032_rule is False


def test_same_person_under_classic_and_2032_rule_has_same_birth_date() -> None:
    before = parse_nin("30108299920", allow_synthetic=False, today=TODAY)
    after = parse_nin("30108299939", allow_synthetic=False, today=TODAY)
    assert (before.birth_date, before.kind) == (after.birth_date, after.kind)
    assert (before.uses_2032_rule, after.uses_2032_rule) == (False, True)


# Kinds and how they give the birth date.


def test_d_number_gives_birth_date_from_day_minus_40() -> None:
    nin = parse_nin("55037623449", allow_synthetic=False, today=TODAY)
    assert nin.kind is NinKind.D_NUMBER
    assert nin.birth_date == datetime.date(1976, 3, 15)
    assert nin.is_d_number


def test_h_number_gives_birth_date_from_month_minus_40() -> None:
    nin = parse_nin("15507600333", allow_synthetic=False, today=TODAY)
    assert nin.kind is NinKind.H_NUMBER
    assert nin.birth_date == datetime.date(1976, 10, 15)
    assert not nin.is_d_number


def test_synthetic_number_gives_birth_date_from_month_minus_80() -> None:
    nin = parse_nin("17912099997", allow_synthetic=True, today=TODAY)
    assert nin.kind is NinKind.SYNTHETIC
    assert nin.birth_date == datetime.date(2020, 11, 17)
    assert not nin.is_d_number


def test_synthetic_d_number_is_synthetic_and_a_d_number() -> None:
    nin = parse_nin("57912075186", allow_synthetic=True, today=TODAY)
    assert nin.kind is NinKind.SYNTHETIC
    assert nin.is_d_number
    assert nin.birth_date == datetime.date(2020, 11, 17)


def test_ordinary_number_is_not_a_d_number() -> None:
    assert not parse_nin("15037623455", allow_synthetic=False, today=TODAY).is_d_number


def test_today_defaults_to_norways_date_not_the_servers() -> None:
    # 23:30 UTC on 1 December is 00:30 on 2 December in Oslo: a child born on 2 December
    # exists, one born on 3 December does not yet.
    with time_machine.travel(datetime.datetime(2026, 12, 1, 23, 30, tzinfo=datetime.UTC),
                             tick=False):
        born_today = generate_valid_nin(datetime.date(2026, 12, 2))
        tomorrow = generate_valid_nin(datetime.date(2026, 12, 3))
        assert parse_nin(born_today, allow_synthetic=False).birth_date == datetime.date(
            2026, 12, 2)
        with pytest.raises(InvalidNin) as refusal:
            parse_nin(tomorrow, allow_synthetic=False)
    assert refusal.value.code is InvalidNinCode.IN_FUTURE


# Age.

BORN_15_MARCH_1976 = "15037623455"
BORN_29_FEBRUARY_2000 = "29020059905"


def age(number: str, on: str) -> int:
    return parse_nin(number, allow_synthetic=False, today=TODAY).age_on(date(on))


def test_age_goes_up_on_the_birthday() -> None:
    assert age(BORN_15_MARCH_1976, "2026-03-15") == 50


def test_age_is_one_less_the_day_before_the_birthday() -> None:
    assert age(BORN_15_MARCH_1976, "2026-03-14") == 49


def test_age_is_zero_on_the_day_of_birth() -> None:
    assert age(BORN_15_MARCH_1976, "1976-03-15") == 0


def test_age_before_birth_is_refused() -> None:
    nin = parse_nin(BORN_15_MARCH_1976, allow_synthetic=False, today=TODAY)
    with pytest.raises(ValueError, match="before the birth date"):
        nin.age_on(datetime.date(1976, 3, 14))


def test_leap_day_birthday_is_28_february_in_other_years() -> None:
    assert age(BORN_29_FEBRUARY_2000, "2026-02-27") == 25
    assert age(BORN_29_FEBRUARY_2000, "2026-02-28") == 26


def test_leap_day_birthday_is_29_february_in_leap_years() -> None:
    assert age(BORN_29_FEBRUARY_2000, "2028-02-28") == 27
    assert age(BORN_29_FEBRUARY_2000, "2028-02-29") == 28


# The full number never leaks into text by accident.


def test_masked_shows_the_first_six_digits_and_hides_the_personal_number() -> None:
    nin = parse_nin("150376 23455", allow_synthetic=False, today=TODAY)
    assert nin.masked() == "150376*****"


def test_masked_d_number_keeps_the_plus_40_day() -> None:
    nin = parse_nin("55037623449", allow_synthetic=False, today=TODAY)
    assert nin.masked() == "550376*****"


def test_str_and_repr_are_the_masked_form() -> None:
    nin = parse_nin("15037623455", allow_synthetic=False, today=TODAY)
    assert str(nin) == "150376*****"
    assert repr(nin) == "150376*****"


def test_formatting_never_contains_the_full_number() -> None:
    nin = parse_nin("15037623455", allow_synthetic=False, today=TODAY)
    renderings = [f"{nin}", f"{nin!r}", "%s %r" % (nin, nin), str([nin]), repr({"nin": nin})]  # noqa: UP031
    for text in renderings:
        assert "23455" not in text, text


def test_logging_a_number_never_writes_the_full_number(caplog: pytest.LogCaptureFixture) -> None:
    nin = parse_nin("15037623455", allow_synthetic=False, today=TODAY)
    with caplog.at_level(logging.INFO):
        logging.getLogger("portal.test").info("login by %s (%r)", nin, nin)
    assert "150376*****" in caplog.text
    assert "15037623455" not in caplog.text


def test_refusal_does_not_carry_the_typed_number() -> None:
    with pytest.raises(InvalidNin) as refusal:
        parse_nin("15037623456", allow_synthetic=False, today=TODAY)
    assert refusal.value.args == ("bad_checksum",)
    assert "15037623456" not in repr(refusal.value)


def test_refusal_is_a_value_error_so_form_validation_can_catch_it() -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_nin("", allow_synthetic=False, today=TODAY)


def test_number_cannot_be_changed_after_parsing() -> None:
    nin = parse_nin("15037623455", allow_synthetic=False, today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        nin.value = "55037623449"  # type: ignore[misc]


# Making numbers for tests and demo data.

SAMPLE_DATES = [
    datetime.date(1854, 1, 1) + datetime.timedelta(days=offset)
    for offset in range(0, (datetime.date(2039, 12, 31) - datetime.date(1854, 1, 1)).days, 97)
] + [datetime.date(2000, 2, 29), datetime.date(2039, 12, 31), datetime.date(1899, 12, 31)]

GENERATED_KINDS = [
    (NinKind.FNR, False, NinKind.FNR, False),
    (NinKind.D_NUMBER, False, NinKind.D_NUMBER, True),
    (NinKind.H_NUMBER, False, NinKind.H_NUMBER, False),
    (NinKind.SYNTHETIC, False, NinKind.SYNTHETIC, False),
    (NinKind.SYNTHETIC, True, NinKind.SYNTHETIC, True),
]


@pytest.mark.parametrize(("kind", "d_number", "parsed_kind", "is_d_number"), GENERATED_KINDS)
def test_generated_numbers_parse_back_to_their_birth_date_and_kind(
    kind: NinKind, d_number: bool, parsed_kind: NinKind, is_d_number: bool
) -> None:
    for born in SAMPLE_DATES:
        number = generate_valid_nin(born, kind=kind, d_number=d_number)
        assert control_remainder(number[:10], K1_WEIGHTS) == 0, number
        assert control_remainder(number, K2_WEIGHTS) == 0, number
        nin = parse_nin(number, allow_synthetic=True, today=datetime.date(2040, 1, 1))
        assert (nin.kind, nin.is_d_number, nin.birth_date) == (parsed_kind, is_d_number, born)
        assert not nin.uses_2032_rule


def test_generate_uses_the_requested_individual_number_when_it_is_valid() -> None:
    assert generate_valid_nin(datetime.date(1976, 3, 15), individual=234) == "15037623455"


def test_generate_skips_individual_numbers_whose_check_digit_would_be_10() -> None:
    # For 15.03.76, individual 487 makes K1 10 and 486 makes K2 10: the search moves down.
    for unusable in ("150376487", "150376486"):
        with pytest.raises(ValueError, match="no check digits"):
            classic(unusable)
    assert generate_valid_nin(datetime.date(1976, 3, 15), individual=487) == classic("150376485")


def test_generate_wraps_to_the_top_of_the_range_when_the_bottom_is_not_valid() -> None:
    # 500 is the lowest individual number for 2010 and gives check digit 10 for 03.01.10.
    with pytest.raises(ValueError, match="no check digits"):
        classic("030110500")
    number = generate_valid_nin(datetime.date(2010, 1, 3), individual=500)
    assert number == classic("030110999")


def test_generate_refuses_birth_years_without_an_individual_number_range() -> None:
    with pytest.raises(ValueError, match="born in 1853"):
        generate_valid_nin(datetime.date(1853, 12, 31))
    with pytest.raises(ValueError, match="born in 2040"):
        generate_valid_nin(datetime.date(2040, 1, 1))


def test_generate_refuses_an_individual_number_from_another_century() -> None:
    with pytest.raises(ValueError, match="individual number 600"):
        generate_valid_nin(datetime.date(1976, 3, 15), individual=600)


def test_generate_refuses_a_number_that_is_both_h_and_d() -> None:
    with pytest.raises(ValueError, match="both an H-number and a D-number"):
        generate_valid_nin(datetime.date(1976, 3, 15), kind=NinKind.H_NUMBER, d_number=True)


def test_generated_synthetic_numbers_are_refused_where_synthetic_numbers_are_not_allowed() -> None:
    number = generate_valid_nin(datetime.date(1990, 1, 1), kind=NinKind.SYNTHETIC)
    assert number[2:4] == "81"
    with pytest.raises(InvalidNin) as refusal:
        parse_nin(number, allow_synthetic=False, today=TODAY)
    assert refusal.value.code is InvalidNinCode.SYNTHETIC_NOT_ALLOWED
