"""Filling in the application form in Chromium, one step after another."""

from __future__ import annotations

# From «what are you applying for» to consent: a radio or checkbox id to tick, or a text
# field's id to fill in.
AFTER_FOR_WHOM = [("#request-1",), ("#services-0",), ("needs", "goals"),
                  ("#contact_method-1", "#interpreter-0"),
                  ("#consent_planning", "#consent_exchange")]


def answer_steps(page, steps, text: str = "A plain answer.") -> None:
    """Answer each step and go on; ends on the attachments step's page."""
    for step in steps:
        for target in step:
            if target.startswith("#"):
                page.locator(target).check()
            else:
                page.locator(f"#{target}").fill(text)
        page.locator("main form button[type=submit]").click()
