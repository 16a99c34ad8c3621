"""The attachments step: upload files one at a time, see them listed, remove one."""

from __future__ import annotations

from flask import redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileRequired

from portal.applications import steps as flow
from portal.applications.filler import current_filler
from portal.applications.views import (
    FLOW_PATH,
    back_url,
    blueprint,
    draft_url,
    next_url,
    own_draft,
    progress,
)
from portal.db import session
from portal.documents.attachments import (
    attachments_for_draft,
    delete_attachment,
    store_attachment,
)
from portal.documents.scanning import current_scanner
from portal.documents.upload_fields import AcceptedUpload, AttachmentField
from portal.forms import ConfirmForm, PortalForm
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.municipalities.tenancy import current_municipality


class UploadForm(PortalForm):
    file = AttachmentField(_l("Add a file"))


def upload_form(bytes_already: int) -> UploadForm:
    form = UploadForm()
    form.file.validators = [FileRequired(message=_l("Choose a file to add")),
                            AcceptedUpload(lambda: bytes_already)]
    return form


def attachments_step(draft, answers: dict, current):
    municipality_id = current_municipality().id
    existing = attachments_for_draft(session(), municipality_id, draft.id)
    form = upload_form(sum(a.size_bytes for a in existing))
    if request.method == "POST" and request.form.get("action") == "continue":
        if ConfirmForm().validate_on_submit():
            return redirect(next_url(draft, answers, current))
    elif form.validate_on_submit() and form.file.checked_data is not None:
        store_attachment(session(), data_keys(), scanner=current_scanner(),
                         municipality_id=municipality_id, data=form.file.checked_data,
                         filename=form.file.data.filename,
                         uploaded_by_person_id=current_filler().person.id, draft_id=draft.id)
        return redirect(request.full_path.rstrip("?"))
    return render_template(
        "applications/attachments.html", form=form, draft=draft, step=current,
        draft_url=draft_url,
        attachments=existing, back_url=back_url(draft, answers, current),
        needs_document=flow.needs_document(answers) and answers.get("document") == "upload",
        progress=progress(draft.kind, answers, current),
        flow_title=flow.FLOWS[draft.kind].title,
    )


@blueprint.post(f"/{FLOW_PATH}/<draft_id>/vedlegg/<int:attachment_id>/slett")
@rules.citizen
def remove_attachment(flow_path: str, draft_id: str, attachment_id: int):
    draft = own_draft(draft_id, flow_path)
    if ConfirmForm().validate_on_submit() and not draft.submission_id:
        delete_attachment(session(), current_municipality().id, draft.id, attachment_id)
    return redirect(draft_url("step", draft, step_path="vedlegg"))
