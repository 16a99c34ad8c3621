"""Norwegian national identity numbers: fødselsnummer, D-, H- and synthetic numbers.

Citizens log in with their number, and people who apply on someone's behalf type in the
other person's number, so the checks here decide whether a real person gets in. The rules
come from these sources:

* Folkeregisterloven § 2-2 and folkeregisterforskriften § 2-2-1: an identity number has
  eleven digits, DDMMYY (birth date), III (individual number) and two check digits K1 K2.
* Skatteetaten, "Nytt fødselsnummer fra 2032" (Folkeregisteret API documentation,
  https://skatteetaten.github.io/folkeregisteret-api-dokumentasjon/nytt-fodselsnummer-fra-2032/),
  part of the modernisation of the national registry (Modernisering av folkeregisteret):
  the new rule for K1, see ``_check_digits``.
* Skatteetaten, "Utvidelse av D-nummerserien" (same documentation, 2021): D-numbers issued
  since November 2021 use individual numbers that the classic century table does not
  describe, see ``_D_NUMBER_CENTURIES``.

The birth date read from a number is the date the number encodes. For H-numbers and some
D-numbers it is not necessarily the person's real birth date, and from 2032 the
individual number no longer tells the century: Skatteetaten says the real date must be
read from the registry. Use ``birth_date`` and ``age_on`` for plausibility and display, not
as proof of age. Before 2032 the century tables below must be revisited, or numbers
issued then may get the wrong century or be refused as BAD_DATE.

The full number is personal data that must not end up in logs: ``str`` and ``repr`` show
only the masked form (birth date part and five stars), and ``InvalidNin`` carries only a
code, never the typed number.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import NamedTuple

from portal import clock

NIN_LENGTH = 11
ASCII_DIGITS = frozenset("0123456789")
K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# K1 validated over d1..d10: the classic weights plus weight 1 for K1 itself.
K1_CONTROL_WEIGHTS = (*K1_WEIGHTS, 1)
K1_REMAINDERS_2032 = frozenset({0, 1, 2, 3})
D_NUMBER_DAY_OFFSET = 40
H_NUMBER_MONTH_OFFSET = 40
SYNTHETIC_MONTH_OFFSET = 80


class InvalidNinCode(StrEnum):
    """Why a number was refused. The values are stable keys the UI maps to messages."""

    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    WRONG_LENGTH = "wrong_length"
    BAD_CHECKSUM = "bad_checksum"
    BAD_DATE = "bad_date"
    SYNTHETIC_NOT_ALLOWED = "synthetic_not_allowed"
    IN_FUTURE = "in_future"


class InvalidNin(ValueError):  # noqa: N818 - the name is part of the agreed interface
    """A number was refused. Carries only the code, never the number that was typed."""

    def __init__(self, code: InvalidNinCode) -> None:
        super().__init__(code.value)
        self.code = code


class NinKind(StrEnum):
    FNR = "fnr"  # ordinary fødselsnummer
    D_NUMBER = "d_number"  # day + 40: people without a fødselsnummer, e.g. foreign workers
    H_NUMBER = "h_number"  # month + 40: help numbers used by the health services
    SYNTHETIC = "synthetic"  # month + 80: Tenor test data, never a real person


@dataclasses.dataclass(frozen=True, repr=False)
class NationalIdentityNumber:
    """A number that passed ``parse_nin``. Create it with ``parse_nin``, not directly.

    ``uses_2032_rule`` is True when K1 is valid only under the rule Skatteetaten introduces
    for numbers issued from 1 January 2032 (see ``_check_digits``).
    """

    value: str
    kind: NinKind
    birth_date: datetime.date
    uses_2032_rule: bool = False

    @property
    def is_d_number(self) -> bool:
        """True for D-numbers, including synthetic D-numbers (kind is then SYNTHETIC)."""
        return self.value[0] in "4567"

    def masked(self) -> str:
        """The birth date part and five stars, e.g. ``010190*****``: safe to show and log."""
        return self.value[:6] + "*" * (NIN_LENGTH - 6)

    def age_on(self, on: datetime.date) -> int:
        """Whole years of age on ``on``, from the birth date the number encodes.

        Someone born on 29 February has their birthday on 28 February in years that are
        not leap years. The other common convention is 1 March; with 28 February the person
        reaches an age limit such as 18 one day earlier, within the month they were born
        in. Change it here, and in the tests, if a rule the portal applies says otherwise.
        Raises ValueError for a date before the birth date.
        """
        if on < self.birth_date:
            raise ValueError("the date is before the birth date")
        return age_on(self.birth_date, on)

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return self.masked()


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Whole years of age on ``on`` for someone born on ``birth_date`` (29 February: see
    ``NationalIdentityNumber.age_on``). Every age rule in the portal counts with this."""
    birthday = _birthday_in_year(birth_date, on.year)
    return on.year - birth_date.year - (on < birthday)


def _birthday_in_year(born: datetime.date, year: int) -> datetime.date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a year that is not a leap year
        return datetime.date(year, 2, 28)


def parse_nin(
    value: str, *, allow_synthetic: bool, today: datetime.date | None = None
) -> NationalIdentityNumber:
    """Check and parse a number typed by a person. Raises ``InvalidNin``.

    Order of the checks: EMPTY, NOT_DIGITS, WRONG_LENGTH, BAD_CHECKSUM, then BAD_DATE for a
    number that is both D and H, SYNTHETIC_NOT_ALLOWED, BAD_DATE, IN_FUTURE. The checksum
    comes before the date because a typo is the likelier mistake: "check what you typed"
    is the right message even when the typo also broke the date.
    ``today`` defaults to today's date in Norway.
    """
    text = _normalise(value)
    digits = tuple(int(character) for character in text)
    uses_2032_rule = _check_digits(digits)
    fields = _decode_fields(digits)
    if fields.kind is NinKind.SYNTHETIC and not allow_synthetic:
        raise InvalidNin(InvalidNinCode.SYNTHETIC_NOT_ALLOWED)
    birth_date = _birth_date(fields, today or clock.today())
    return NationalIdentityNumber(text, fields.kind, birth_date, uses_2032_rule)


def _normalise(value: str) -> str:
    # Only whitespace is removed: people copy "010190 12345" from letters, sometimes with
    # non-breaking spaces. Anything else (hyphens, letters, non-ASCII digits such as
    # full-width ones, which str.isdigit accepts) is refused rather than guessed at.
    if not value or value.isspace():
        raise InvalidNin(InvalidNinCode.EMPTY)
    compact = "".join(value.split())
    if not ASCII_DIGITS.issuperset(compact):
        raise InvalidNin(InvalidNinCode.NOT_DIGITS)
    if len(compact) != NIN_LENGTH:
        raise InvalidNin(InvalidNinCode.WRONG_LENGTH)
    return compact


def _weighted_sum(digits: Sequence[int], weights: Sequence[int]) -> int:
    return sum(digit * weight for digit, weight in zip(digits, weights, strict=False))


def _classic_check_digit(digits: Sequence[int], weights: Sequence[int]) -> int | None:
    """The mod-11 check digit for ``digits``; None where it would be 10 (not issuable)."""
    check = (11 - _weighted_sum(digits, weights) % 11) % 11
    return None if check == 10 else check


def _check_digits(digits: Sequence[int]) -> bool:
    """Verify K1 and K2; return whether K1 needed the 2032 rule. Raises BAD_CHECKSUM.

    Classic K1 makes the weighted sum of d1..d10 (weights 3 7 6 1 8 9 4 5 2 1) divisible by
    11. Individual numbers run out for some birth dates, so for numbers issued from
    1 January 2032 Skatteetaten also allows remainder 1, 2 or 3 ("Nytt fødselsnummer fra
    2032"). That roughly quadruples the numbers per birth date. K2 stays classic.

    Skatteetaten says systems that check the digits must handle both rules in parallel
    (the new rule applies to every number issued from 2032, also to people born long
    before), so we accept it now rather than switch on a date: a clock-based switch would
    lock people out if it were late or wrong. No number is issued under the new rule
    before 2032, so until then ``uses_2032_rule`` marks a number worth a second look
    (test data, or two typos at once).

    Accepting it costs no typo detection: K2 covers d1..d10 with weights
    5 4 3 2 7 6 5 4 3 2 and K2 itself with weight 1, all non-zero modulo the prime 11 and
    differing between neighbours, so K2 alone still catches every single wrong digit and
    every swap of two adjacent digits. Only random digit strings pass more often (about
    4 in 121 instead of 1 in 121).
    """
    if _classic_check_digit(digits[:10], K2_WEIGHTS) != digits[10]:
        raise InvalidNin(InvalidNinCode.BAD_CHECKSUM)
    remainder = _weighted_sum(digits[:10], K1_CONTROL_WEIGHTS) % 11
    if remainder not in K1_REMAINDERS_2032:
        raise InvalidNin(InvalidNinCode.BAD_CHECKSUM)
    return remainder != 0


class _Fields(NamedTuple):
    kind: NinKind
    is_d_number: bool
    day: int
    month: int
    year_in_century: int
    individual: int


def _decode_fields(digits: Sequence[int]) -> _Fields:
    """Undo the D (day + 40), H (month + 40) and synthetic (month + 80) offsets.

    Only the offsets are removed here; whether day and month exist is checked when the
    date is built. First digits 8 and 9 (an old, withdrawn H-number convention) are left
    as days 80-99 and so refused.
    """
    day_field = digits[0] * 10 + digits[1]
    month_field = digits[2] * 10 + digits[3]
    is_d_number = 4 <= digits[0] <= 7
    band = month_field // 40  # 0: ordinary, 1: H-number (41-52), 2: synthetic (81-92)
    if is_d_number and band == 1:  # an H-number is never also a D-number
        raise InvalidNin(InvalidNinCode.BAD_DATE)
    return _Fields(
        kind=_kind(is_d_number, band),
        is_d_number=is_d_number,
        day=day_field - D_NUMBER_DAY_OFFSET * is_d_number,
        month=month_field - H_NUMBER_MONTH_OFFSET * band,
        year_in_century=digits[4] * 10 + digits[5],
        individual=digits[6] * 100 + digits[7] * 10 + digits[8],
    )


def _kind(is_d_number: bool, month_band: int) -> NinKind:
    if month_band == 2:
        return NinKind.SYNTHETIC  # Tenor also makes synthetic D-numbers; see is_d_number
    if month_band == 1:
        return NinKind.H_NUMBER
    return NinKind.D_NUMBER if is_d_number else NinKind.FNR


class _CenturyRule(NamedTuple):
    individual: range
    year_in_century: range
    century: int


# Skatteetaten's table for fødselsnumre (and H- and synthetic numbers). The ranges do not
# overlap, so a number gives one century or none. Individual numbers 750-899 with years
# 40-99, and 500-749 with years 40-53, belong to no range: BAD_DATE.
_CLASSIC_CENTURIES = (
    _CenturyRule(range(0, 500), range(0, 100), 1900),
    _CenturyRule(range(500, 750), range(54, 100), 1800),
    _CenturyRule(range(500, 1000), range(0, 40), 2000),
    _CenturyRule(range(900, 1000), range(40, 100), 1900),
)

# D-numbers issued since November 2021 ("Utvidelse av D-nummerserien"): Skatteetaten moved
# unused ranges to other centuries so D-numbers would not run out before 2032. With the
# classic table alone, a D-number such as 41814061033 (born 1940, individual 610) would be
# refused and one with individual 200-499 for a child born in 2005 would read as 1905.
_D_NUMBER_CENTURIES = (
    _CenturyRule(range(500, 600), range(58, 100), 1800),
    _CenturyRule(range(0, 200), range(0, 40), 1900),
    _CenturyRule(range(0, 500), range(40, 100), 1900),
    _CenturyRule(range(600, 1000), range(40, 100), 1900),
    _CenturyRule(range(200, 1000), range(0, 40), 2000),
)


def _candidate_years(fields: _Fields) -> set[int]:
    # D-numbers issued before November 2021 still follow the classic table, and the two
    # tables disagree on some numbers, so a D-number can have two candidate years.
    rules = _CLASSIC_CENTURIES + (_D_NUMBER_CENTURIES if fields.is_d_number else ())
    return {
        rule.century + fields.year_in_century
        for rule in rules
        if fields.individual in rule.individual and fields.year_in_century in rule.year_in_century
    }


def _birth_date(fields: _Fields, today: datetime.date) -> datetime.date:
    """The latest candidate birth date that is not after ``today``.

    For an ambiguous D-number the more recent date is the more likely one (the other is
    usually over 100 years earlier), unless it has not happened yet: individual 300 with
    year 30 is someone born in 1930, not in 2030. Raises BAD_DATE or IN_FUTURE.
    """
    dates = sorted(_existing_dates(fields))
    if not dates:
        raise InvalidNin(InvalidNinCode.BAD_DATE)
    past = [date for date in dates if date <= today]
    if not past:
        raise InvalidNin(InvalidNinCode.IN_FUTURE)
    return past[-1]


def _existing_dates(fields: _Fields) -> Iterator[datetime.date]:
    for year in _candidate_years(fields):
        try:
            yield datetime.date(year, fields.month, fields.day)
        except ValueError:  # 31 April, 29 February 1900, month 13, day 0 ...
            continue


# Individual numbers used by generate_valid_nin for each range of birth years. Each range
# means the same century under both tables above, so generated D-numbers are unambiguous.
_GENERATION_RANGES = (
    (range(1854, 1900), range(500, 600)),
    (range(1900, 1940), range(0, 200)),
    (range(1940, 2000), range(0, 500)),
    (range(2000, 2040), range(500, 1000)),
)


def generate_valid_nin(
    birth_date: datetime.date,
    *,
    kind: NinKind = NinKind.FNR,
    individual: int | None = None,
    d_number: bool = False,
) -> str:
    """Make a valid number with classic check digits, for tests and demo data.

    ``kind`` SYNTHETIC makes a Tenor-style test number; with ``d_number=True`` a synthetic
    D-number (``d_number=True`` with FNR is the same as ``kind=D_NUMBER``).
    ``individual`` is where the search starts (default: the top of the range for the birth
    year, as Skatteetaten counts down); individual numbers whose check digits would be 10
    are skipped, moving down and wrapping around within the range.
    Raises ValueError for birth years outside 1854-2039, an individual number outside the
    range for the birth year, or an H-number that is also a D-number.
    """
    d_number = d_number or kind is NinKind.D_NUMBER
    if d_number and kind is NinKind.H_NUMBER:
        raise ValueError("a number cannot be both an H-number and a D-number")
    prefix = _date_digits(birth_date, kind, d_number)
    for candidate in _individuals_to_try(birth_date.year, individual):
        number = _with_check_digits(prefix + _digits_of(candidate, 3))
        if number is not None:
            return "".join(map(str, number))
    raise ValueError("no individual number gives valid check digits")


def _date_digits(birth_date: datetime.date, kind: NinKind, d_number: bool) -> tuple[int, ...]:
    month_offset = {
        NinKind.H_NUMBER: H_NUMBER_MONTH_OFFSET,
        NinKind.SYNTHETIC: SYNTHETIC_MONTH_OFFSET,
    }.get(kind, 0)
    day = birth_date.day + D_NUMBER_DAY_OFFSET * d_number
    month = birth_date.month + month_offset
    return _digits_of(day, 2) + _digits_of(month, 2) + _digits_of(birth_date.year % 100, 2)


def _digits_of(number: int, width: int) -> tuple[int, ...]:
    return tuple(int(character) for character in f"{number:0{width}d}")


def _individuals_to_try(year: int, start: int | None) -> list[int]:
    allowed = next((inds for years, inds in _GENERATION_RANGES if year in years), None)
    if allowed is None:
        raise ValueError(f"cannot make numbers for people born in {year}")
    if start is None:
        start = allowed[-1]
    if start not in allowed:
        raise ValueError(f"individual number {start} does not fit birth year {year}")
    downwards = range(start, allowed.start - 1, -1)
    wrapped = range(allowed[-1], start, -1)
    return [*downwards, *wrapped]


def _with_check_digits(first_nine: tuple[int, ...]) -> tuple[int, ...] | None:
    k1 = _classic_check_digit(first_nine, K1_WEIGHTS)
    if k1 is None:
        return None
    k2 = _classic_check_digit((*first_nine, k1), K2_WEIGHTS)
    if k2 is None:
        return None
    return (*first_nine, k1, k2)
