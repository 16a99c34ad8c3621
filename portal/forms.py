"""The Python side of the form kit: the base form and the fields the templates know."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

from portal.identity.saved_forms import take_saved_form


class PortalForm(FlaskForm):
    """A form that gives back what was typed before a session timeout (see saved_forms)."""

    def __init__(self, *args, **kwargs) -> None:
        if request.method == "GET" and "formdata" not in kwargs and current_user.is_authenticated:
            saved = take_saved_form(
                current_user.row.person_id, current_user.row.staff_user_id
            )
            if saved is not None:
                kwargs["formdata"] = saved
        super().__init__(*args, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes, one per choice (rendered by the ``checkbox_group`` macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
