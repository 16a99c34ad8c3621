"""The form kit's radio and checkbox groups: the markup WTForms would write, written directly.

``portal.forms.choice_inputs`` writes each choice's ``<input>`` itself (a form step's
rendering spent a sixth of its time in WTForms' sub-fields and ``html_params``); these tests
hold it to WTForms' own output, attribute for attribute, for every case a step meets.
"""

from __future__ import annotations

import pytest
from wtforms import Form, RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import InputRequired, Optional

from portal.forms import MultiCheckboxField, choice_inputs

CHOICES = [SelectChoice("self", "Meg selv"), SelectChoice("child", "Mitt barn"),
           SelectChoice('a"b<c>&d', "Sitat «\"<b>»")]


class Choices(Form):
    required_radio = RadioField("Hvem", choices=CHOICES, validators=[InputRequired()])
    optional_radio = RadioField("Hvem", choices=CHOICES, validators=[Optional()])
    boxes = MultiCheckboxField("Tjenester", choices=CHOICES)
    styled = RadioField("Hvem", choices=CHOICES, render_kw={"data-x": "1"})


def as_wtforms_writes_it(field, invalid: bool):
    """What the form kit's macro wrote before: WTForms' sub-field per choice."""
    return [(str(option(class_="ds-input", **{"aria-invalid": "true" if invalid else False})),
             option.id, str(option.label.text)) for option in field]


def written(field, invalid: bool):
    return [(str(markup), input_id, str(label))
            for markup, input_id, label in choice_inputs(field, invalid)]


@pytest.mark.parametrize("name", ["required_radio", "optional_radio", "boxes", "styled"])
@pytest.mark.parametrize("invalid", [False, True])
@pytest.mark.parametrize("data", [None, "child", ['a"b<c>&d', "self"]])
def test_each_choice_is_written_as_wtforms_writes_it(name, invalid, data):
    if data is not None and name != "boxes" and isinstance(data, list):
        data = data[0]
    form = Choices(data={name: data})
    field = form[name]
    assert written(field, invalid) == as_wtforms_writes_it(field, invalid)


def test_a_chosen_radio_is_checked_required_and_escaped():
    field = Choices(data={"required_radio": 'a"b<c>&d'}).required_radio
    markup, input_id, label = choice_inputs(field, invalid=True)[2]
    assert markup == ('<input aria-invalid="true" checked class="ds-input" '
                      'id="required_radio-2" name="required_radio" required type="radio" '
                      'value="a&#34;b&lt;c&gt;&amp;d">')
    assert (input_id, label) == ("required_radio-2", "Sitat «\"<b>»")  # escaped by Jinja


def test_no_sub_field_is_made_for_a_plain_choice(monkeypatch):
    form = Choices()

    def refuse(_field):
        raise AssertionError("a sub-field per choice")

    monkeypatch.setattr(RadioField, "__iter__", refuse)
    monkeypatch.setattr(SelectMultipleField, "__iter__", refuse)
    assert len(choice_inputs(form.required_radio, invalid=False)) == 3
    assert len(choice_inputs(form.boxes, invalid=False)) == 3
