"""The Python side of the form kit: the base form and the fields the templates know."""

from __future__ import annotations

import re
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import SelectMultipleField, StringField, ValidationError, widgets

from portal import clock
from portal.csrf import MaskedCSRFForm
from portal.identity.saved_forms import take_saved_form


class PortalForm(MaskedCSRFForm):
    """A form that gives back what was typed before a session timeout (see saved_forms), its
    CSRF token masked (portal/csrf.py)."""

    def __init__(self, *args, **kwargs) -> None:
        if request.method == "GET" and "formdata" not in kwargs and current_user.is_authenticated:
            saved = take_saved_form(
                current_user.row.person_id, current_user.row.staff_user_id
            )
            if saved is not None:
                kwargs["formdata"] = saved
        super().__init__(*args, **kwargs)


class ConfirmForm(PortalForm):
    """Only the CSRF token: a button that sends, confirms or removes something."""


class EmailAddress:
    """An e-mail address in the right form (no DNS look-up), normalised; empty passes."""

    def __call__(self, form, field) -> None:
        if not (field.data or "").strip():
            return
        try:
            field.data = validate_email(field.data.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(
                _l("Enter an e-mail address in the right format, like name@example.no")
            ) from None


class PhoneNumber:
    """A Norwegian or international phone number: 8 to 20 digits and spaces, maybe a +."""

    pattern = re.compile(r"^\+?[0-9 ]{8,20}$")

    def __call__(self, form, field) -> None:
        if (field.data or "").strip() and not self.pattern.match(field.data.strip()):
            raise ValidationError(_l("Enter a phone number with 8 digits, like 912 34 567"))


class NorwegianMobile:
    """A Norwegian mobile number: 8 digits starting with 4 or 9, maybe after +47 or 0047,
    spaces allowed; normalised to +47 and the 8 digits. Empty passes."""

    pattern = re.compile(r"^(?:\+47|0047)?([49]\d{7})$")

    def __call__(self, form, field) -> None:
        typed = (field.data or "").strip()
        if not typed:
            return
        match = self.pattern.match(re.sub(r"[\s.-]", "", typed))
        if match is None:
            raise ValidationError(_l("Enter a Norwegian mobile number with 8 digits that "
                                     "starts with 4 or 9, like 912 34 567"))
        field.data = f"+47{match.group(1)}"


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes, one per choice (rendered by the ``checkbox_group`` macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# The widgets whose markup ``choice_inputs`` writes itself, and the attributes WTForms takes
# from their field's validators (``validation_attrs``: required, disabled).
PLAIN_CHOICE_WIDGETS = (widgets.RadioInput, widgets.CheckboxInput)
CHOICE_FLAGS = ("disabled", "required")


def choice_inputs(field, invalid: bool) -> list[tuple[Markup, str, str]]:
    """Each choice of a radio or checkbox group as (its ``<input>``, its id, its label), for
    the form kit's ``_choice_group``: the markup WTForms writes for ``option(class_="ds-input",
    aria_invalid=…)``, attribute for attribute and in its order (sorted by name), without
    making a sub-field per choice and passing each attribute through ``html_params``
    (make bench, «throughput»: a sixth of a form step's rendering). A field with attributes
    of its own (``render_kw``) or another widget is rendered by WTForms itself."""
    widget = field.option_widget
    flags = [getattr(field.flags, name, None) for name in CHOICE_FLAGS]  # None: not set
    if field.render_kw or type(widget) not in PLAIN_CHOICE_WIDGETS \
            or any(flag not in (True, False, None) for flag in flags):
        return [(option(class_="ds-input", **{"aria-invalid": "true" if invalid else False}),
                 option.id, option.label.text) for option in field]
    disabled, required = (f" {name}" if flag else ""
                          for name, flag in zip(CHOICE_FLAGS, flags, strict=True))
    start = '<input aria-invalid="true"' if invalid else "<input"
    tail = f'name="{escape(field.name)}"{required} type="{widget.input_type}"'
    found = []
    for number, choice in enumerate(field.iter_choices()):
        option_id = f"{field.id}-{number}"
        checked = " checked" if choice.selected else ""
        found.append((Markup(  # noqa: S704 - every value is escaped here
            f'{start}{checked} class="ds-input"{disabled} id="{escape(option_id)}" {tail} '
            f'value="{escape(choice.value)}">'), option_id, choice.label or choice.value))
    return found


DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")  # what people type, and what a browser might fill


def parse_date(text: str | None) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime((text or "").strip(), pattern).date()
        except ValueError:
            continue
    return None


class DateTextField(StringField):
    """A date typed as text (31.12.2026): the form kit's text field, no browser date picker."""

    def date(self) -> date | None:
        return parse_date(self.data)


class OptionalDate:
    """Empty, or a real date written as day.month.year."""

    def __call__(self, _form, field: DateTextField) -> None:
        if (field.data or "").strip() and field.date() is None:
            raise ValidationError(_l("Write the date as day.month.year, like 31.12.2026"))


class ValidDate:
    """Required, a real date, and (if asked) today or later, or today or earlier (Norway's
    today: portal.clock)."""

    def __init__(self, missing: str, *, not_before_today: bool = False,
                 not_after_today: bool = False) -> None:
        self.missing = missing
        self.not_before_today = not_before_today
        self.not_after_today = not_after_today

    def __call__(self, _form, field: DateTextField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(self.missing)
        if field.date() is None:
            raise ValidationError(_l("Write the date as day.month.year, like 31.12.2026"))
        if self.not_before_today and field.date() < clock.today():
            raise ValidationError(_l("The date must be today or later"))
        if self.not_after_today and field.date() > clock.today():
            raise ValidationError(_l("The date cannot be after today"))
