"""The steps of each application kind, in order, with the rule for when a step applies.

A step's answers are saved in the draft when it is sent. The step order, the "check your
answers" rows and the payload all come from here, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.applications import forms
from portal.representation.rules import AGE_OF_CONSENT

Answers = dict


def always(_answers: Answers) -> bool:
    return True


def chosen_by_acting(answers: Answers) -> bool:
    """Started while acting for someone: who it is for, and on what basis, is known."""
    return bool(answers.get("representation"))


def asks_for_whom(answers: Answers) -> bool:
    return not chosen_by_acting(answers)


def for_someone_else(answers: Answers) -> bool:
    return answers.get("for_whom") not in (None, "self") and not chosen_by_acting(answers)


def needs_document(answers: Answers) -> bool:
    return answers.get("for_whom") in ("fullmakt", "guardian") and not chosen_by_acting(answers)


@dataclass(frozen=True)
class Step:
    key: str
    path: str
    title: object
    form: type
    applies: Callable[[Answers], bool] = always
    fields: tuple[str, ...] = field(default=())
    # Follow-up questions, each with when its answer counts (a language only if an
    # interpreter is needed): the check page and the receipt leave out the rest.
    follow_ups: tuple[tuple[str, Callable[[Answers], bool]], ...] = ()

    def counts(self, name: str, answers: Answers) -> bool:
        """Does the answer to ``name`` count, given the other answers?"""
        return all(when(answers) for field_name, when in self.follow_ups if field_name == name)


def needs_interpreter(answers: Answers) -> bool:
    return answers.get("interpreter") == "yes"


def shares_with_specialist(answers: Answers) -> bool:
    return "specialist" in (answers.get("sharing") or [])


IP_APPLICATION_STEPS = (
    Step("for_whom", "hvem", _l("Who are you applying for?"), forms.ForWhomForm,
         asks_for_whom, fields=("for_whom",)),
    Step("subject", "person", _l("The person you are applying for"), forms.SubjectForm,
         for_someone_else, fields=("subject_nin", "subject_name")),
    Step("document", "dokumentasjon", _l("Documentation"), forms.DocumentForm, needs_document,
         fields=("document",)),
    Step("request", "hva", _l("What are you applying for?"), forms.RequestForm,
         fields=("request",)),
    Step("services", "tjenester", _l("Services you get now"), forms.ServicesForm,
         fields=("services", "other_services")),
    Step("needs", "behov", _l("Needs and goals"), forms.NeedsForm, fields=("needs", "goals")),
    Step("wishes", "onsker", _l("Your wishes"), forms.WishesForm,
         fields=("known_coordinator", "contact_method", "contact_email", "contact_mobile",
                 "interpreter", "interpreter_language", "adaptation"),
         follow_ups=(("interpreter_language", needs_interpreter),)),
    Step("consent", "samtykke", _l("Consent to the plan and to sharing"), forms.ConsentForm,
         fields=("consent_planning", "sharing", "sharing_unit", "sharing_other",
                 "consent_version"),
         follow_ups=(("sharing_unit", shares_with_specialist),)),
    Step("attachments", "vedlegg", _l("Attachments"), forms.AttachmentForm),
)

EIP_ACCESS_STEPS = (
    Step("access", "tilgang", _l("Access to the electronic plan"), forms.EipAccessForm,
         fields=("email", "phone", "coordinator_name", "confirm_plan", "accept_terms")),
)

STEPS = {"ip_application": IP_APPLICATION_STEPS, "eip_access": EIP_ACCESS_STEPS}
KIND_TITLES = {
    "ip_application": _l("Application for an individual plan and/or a coordinator"),
    "eip_access": _l("Access to the electronic individual plan"),
    "reply": _l("Answer to a request for information"),
    "withdrawal": _l("Withdrawal"),
    "power_of_attorney": _l("Power of attorney"),
    "consent": _l("Consent"),
}


@dataclass(frozen=True)
class Flow:
    """A kind sent through the step pages (``portal.applications.views``): its steps, the
    first part of its URLs, and what its pages say. The applications' own kinds need no
    hooks; another capability (complaints) registers its kind with the hooks it needs."""

    kind: str
    path: str  # /<slug>/<path>/<draft>/<step>: "soknad", "klage"
    steps: tuple[Step, ...]
    title: object
    check_intro: object = _l("When you send, the municipality gets your application at once. "
                             "You get a receipt.")
    send_button: object = _l("Send the application")
    received: object = _l("We have received your application")
    # Hooks, each given the answers so far: None means the applications' own behaviour.
    submit: Callable | None = None  # (draft, answers) -> Submission, in the request
    refusal: Callable | None = None  # (answers) -> {"title", "text"} or {} before sending
    prepare_form: Callable | None = None  # (step, form, answers) -> None
    context: Callable | None = None  # (step, answers) -> extra template values
    start_url: Callable | None = None  # (answers) -> where "back" goes from the first step
    what_next: Callable | None = None  # (municipality, language) -> the receipt's next steps
    answers_from_payload: Callable | None = None  # (payload) -> answers, for receipt rows
    about_rows: Callable | None = None  # (answers) -> [(label, text)] before the answers


FLOWS = {kind: Flow(kind, "soknad", steps, KIND_TITLES[kind]) for kind, steps in STEPS.items()}
FLOW_PATHS = ("soknad", "klage")


def register_flow(flow: Flow) -> None:
    if flow.path not in FLOW_PATHS:
        raise ValueError(f"add {flow.path!r} to FLOW_PATHS")
    FLOWS[flow.kind] = flow
    STEPS[flow.kind] = flow.steps
    KIND_TITLES[flow.kind] = flow.title


def steps_for(kind: str, answers: Answers) -> list[Step]:
    return [step for step in STEPS[kind] if step.applies(answers)]


def step_by_path(kind: str, path: str) -> Step | None:
    return next((step for step in STEPS[kind] if step.path == path), None)


def next_step(kind: str, answers: Answers, current: Step) -> Step | None:
    """The step after ``current`` that applies, or None when it is time to check answers."""
    order = STEPS[kind]
    later = order[order.index(current) + 1:]
    return next((step for step in later if step.applies(answers)), None)


def previous_step(kind: str, answers: Answers, current: Step) -> Step | None:
    order = STEPS[kind]
    earlier = reversed(order[: order.index(current)])
    return next((step for step in earlier if step.applies(answers)), None)


def first_unanswered(kind: str, answers: Answers) -> Step | None:
    """The first step that applies and has not been answered (the check page needs none)."""
    for step in steps_for(kind, answers):
        if step.fields and not all(name in answers for name in step.fields):
            return step
    return None


# From 16 a young person consents on their own behalf; for children under 16 the parents
# consent (pasient- og brukerrettighetsloven §§ 4-3 and 4-4): AGE_OF_CONSENT, in
# portal.representation.rules with the other age rules.
# Helse- og omsorgstjenesteloven § 7-2 a: a child coordinator is for children under 18.
CHILD_AGE_LIMIT = 18


def consent_mode(answers: Answers, subject_age: int | None) -> str:
    """Who gives consent: the person themself, a parent, the young person (asked in the portal
    after a parent applied), a representative, or nobody yet (a child under 16 applying alone:
    a parent must consent)."""
    for_whom = answers.get("for_whom", "self")
    if for_whom == "self":
        return "child_under_16" if subject_age is not None and subject_age < AGE_OF_CONSENT \
            else "self"
    if for_whom == "child":
        return "parent" if subject_age is not None and subject_age < AGE_OF_CONSENT \
            else "young_person"
    return "representative"
