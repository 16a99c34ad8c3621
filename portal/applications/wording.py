"""The questions name the person the application is for.

Applying for someone else (a child, someone who gave a fullmakt, someone under
guardianship), a question that says «you» would ask the applicant about themself: «Which
services do you get now?» must read «Which services does Ola get now?». Each question that
is about the person has a second wording here, with the person's name; the step pages, the
check page and the receipt all ask ``question``/``hint``/``title``, so none of them drifts.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# field name -> (label, hint or None) when the application is for someone else.
FOR_SOMEONE_ELSE = {
    "document": (_l("How will you send us the document that shows you may act for "
                    "%(name)s?"), None),
    "services": (_l("Which services does %(name)s get now?"),
                 _l("Choose all that apply. Usually a person needs two or more services to "
                    "get an individual plan, but you can apply anyway.")),
    "needs": (_l("What does %(name)s need help to coordinate?"),
              _l("Describe the situation of %(name)s in your own words.")),
    "goals": (_l("What goals does %(name)s have?"),
              _l("The goals are the starting point for the plan. What does %(name)s want to "
                 "achieve or manage?")),
    "known_coordinator": (_l("Is there someone %(name)s would like as coordinator? "
                             "(optional)"),
                          _l("For example someone who already knows %(name)s. Write their "
                             "name and where they work.")),
    "interpreter": (_l("Do you or %(name)s need an interpreter?"), None),
    "interpreter_language": (_l("Which language, if an interpreter is needed?"), None),
    "adaptation": (_l("Do you or %(name)s need anything else to take part? (optional)"),
                   None),
}
# step key -> its title when the application is for someone else.
TITLES_FOR_SOMEONE_ELSE = {
    "services": _l("Services %(name)s gets now"),
    "wishes": _l("Wishes for the work with %(name)s"),
}


def subject_name(answers: dict) -> str | None:
    """The name of the person the application is for, when that is not the applicant."""
    if answers.get("for_whom", "self") == "self":
        return None
    return (answers.get("subject_name") or "").strip() or None


def question(field_name: str, label, answers: dict) -> str:
    name = subject_name(answers)
    if name is None or field_name not in FOR_SOMEONE_ELSE:
        return str(label)
    return str(FOR_SOMEONE_ELSE[field_name][0]) % {"name": name}


def hint(field_name: str, description, answers: dict) -> str:
    name = subject_name(answers)
    other = FOR_SOMEONE_ELSE.get(field_name, (None, None))[1]
    if name is None or other is None:
        return str(description or "")
    return str(other) % {"name": name}


def title(step, answers: dict) -> str:
    name = subject_name(answers)
    if name is None or step.key not in TITLES_FOR_SOMEONE_ELSE:
        return str(step.title)
    return str(TITLES_FOR_SOMEONE_ELSE[step.key]) % {"name": name}


def address_form(form, step, answers: dict) -> None:
    """Put the wording for the person the application is for on a step's form."""
    for name in step.fields:
        field = form[name]
        field.label.text = question(name, field.label.text, answers)
        field.description = hint(name, field.description, answers)
