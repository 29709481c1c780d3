"""The form a citizen is filling in the chat, as the clerk who holds the conversation sees
and completes it (issue 13).

The answers live where the bot keeps them, in the ``fill_state`` slot of Rasa's tracker
(actions/filling.py), read and set through the channel's :class:`~livechat.core.TrackerSlots`
under the conversation's lock; there is no second copy. The clerk sees every field with its
answer and what is still required, sets a field (checked by the same validators as the
citizen's answers, :func:`forms_catalog.filling.set_value`), starts a form for the citizen,
and sends the filled, sealed PDF (the chat's own :func:`livechat.filled_forms.deliver`).
Each field set is a clerk message, archived and shown to the citizen, so the citizen can
check it and the auditors see who typed what. When the clerk releases the conversation,
the citizen resumes with "continuă completarea" where the clerk left off.
"""

import logging
from typing import Any, Dict, Optional

from forms_catalog import FieldValidationError, Form, load_catalog
from forms_catalog.filling import FillState, fillable_fields, missing_fields, next_field, set_value
from livechat import filled_forms
from livechat.clerks import ClerkSide
from livechat.core import TrackerSlots
from livechat.errors import HandoffError
from livechat.protocol import FILL_STATE_SLOT
from livechat.store import Clerk
from livechat.tables import CLERK, QUEUED

logger = logging.getLogger(__name__)

NO_ASSISTANT = "Asistentul nu este pornit încă; formularul nu poate fi citit. Încercați din nou."


def _shown(value: Any) -> str:
    if value is True:
        return "da"
    if value is False:
        return "nu"
    return "" if value is None else str(value)


def filling_view(state: FillState) -> Optional[Dict[str, Any]]:
    """What the console shows of a filling: every field, its answer, what is missing."""
    form = load_catalog().forms.get(state.form_id or "")
    if form is None:
        return None
    upcoming = next_field(form, state)
    return {
        "form_id": form.id,
        "title": form.title,
        "fields": [
            {
                "name": item.name,
                "label": item.label,
                "type": item.type,
                "required": item.required,
                "multiline": item.multiline,
                "hint": item.hint or "",
                "answered": item.name in state.answers,
                "value": _shown(state.answers.get(item.name)),
            }
            for item in fillable_fields(form)
        ],
        "next": upcoming.name if upcoming else None,
        "missing": [item.label for item in missing_fields(form, state)],
        "confirmed": state.confirmed,
    }


class ClerkFilling(ClerkSide):
    """The console's view of the form being filled, and the clerk completing it."""

    def _slots(self) -> TrackerSlots:
        if self.slots is None:
            raise HandoffError("no_assistant", NO_ASSISTANT, status=503)
        return self.slots

    async def _fill_state(self, conversation_id: str) -> FillState:
        return FillState.from_slot(await self._slots().get(conversation_id, FILL_STATE_SLOT))

    async def filling(self, clerk: Clerk, conversation_id: str) -> Dict[str, Any]:
        """The form being filled in a conversation the clerk may see (queued or theirs)."""
        found = self._conversation(conversation_id)
        if found.state != QUEUED and not (found.state == CLERK and found.clerk_id == clerk.id):
            raise HandoffError("not_yours", "Puteți vedea doar conversațiile din coadă și pe ale dvs.", 403)
        return {"filling": filling_view(await self._fill_state(found.id))}

    def _form_for(self, state: FillState, form_id: Any) -> Form:
        wanted = form_id if form_id not in (None, "") else state.form_id
        if wanted is None:
            raise HandoffError("no_form", "Alegeți mai întâi formularul pe care îl completați.", status=400)
        form = load_catalog().forms.get(wanted) if isinstance(wanted, str) else None
        if form is None:
            raise HandoffError("unknown_form", f"Formularul „{wanted}” nu există în catalog.", status=404)
        return form

    async def fill_field(self, clerk: Clerk, conversation_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """Set one field for the citizen (or, with only ``form_id``, start that form).

        Bad input (a field the form lacks, a value its validator refuses) is a 400 naming
        the field, and changes nothing. The value is set in the tracker first, then told
        to the citizen as the clerk's message; if that message cannot be archived, the
        field goes back to what it was.
        """
        conversation = self._holding(clerk, conversation_id)
        state = await self._fill_state(conversation.id)
        form = self._form_for(state, body.get("form_id"))
        if state.form_id != form.id:
            state = FillState(form.id)  # another form started for the citizen
        name = body.get("field")
        if name is None:
            before = await self._slots().get(conversation.id, FILL_STATE_SLOT)
            await self._slots().set(conversation.id, FILL_STATE_SLOT, state.as_slot())
            text = f"Completez împreună cu dumneavoastră cererea „{form.title}”."
            await self._told(clerk, conversation.id, text, form, before)
            return {"filling": filling_view(state)}
        try:
            changed = set_value(form, state, name, body.get("value"))
        except FieldValidationError as error:
            raise HandoffError("bad_value", error.message, status=400) from None
        item = next(f for f in fillable_fields(form) if f.name == name)
        value = changed.answers.get(item.name)
        before = await self._slots().get(conversation.id, FILL_STATE_SLOT)
        await self._slots().set(conversation.id, FILL_STATE_SLOT, changed.as_slot())
        shown = _shown(value) or "lăsat necompletat"
        text = f"Am completat în cererea „{form.title}” câmpul „{item.label}”: {shown}."
        await self._told(clerk, conversation.id, text, form, before)
        return {"filling": filling_view(changed)}

    async def _told(self, clerk: Clerk, conversation_id: str, text: str, form: Form, before: Any) -> None:
        try:
            await self.clerk_message(clerk, conversation_id, text, {"form_id": form.id})
        except HandoffError:
            await self._slots().set(conversation_id, FILL_STATE_SLOT, before)
            raise

    async def send_filled(self, clerk: Clerk, conversation_id: str) -> Dict[str, Any]:
        """The filled, sealed PDF sent to the citizen, once every required field is set."""
        conversation = self._holding(clerk, conversation_id)
        state = await self._fill_state(conversation.id)
        form = self._form_for(state, None)
        missing = missing_fields(form, state)
        if missing:
            names = ", ".join(f"„{item.label}”" for item in missing)
            raise HandoffError("incomplete", f"Mai trebuie completate: {names}.", status=409)

        async def as_clerk(cid: str, text: str, data: Dict[str, Any]) -> Any:
            return await self.clerk_message(clerk, cid, text, data)

        payload = {"form_id": form.id, "values": state.values()}
        if not await filled_forms.deliver(self, conversation.id, payload, send=as_clerk, by=clerk.username):
            raise HandoffError(
                "not_filled", "PDF-ul nu a putut fi completat; cetățeanul a primit motivul.", 502
            )
        await self._slots().set(conversation.id, FILL_STATE_SLOT, None)
        logger.info("handoff: %s sent the filled %s in %s", clerk.username, form.id, conversation.id)
        return {"filling": None}
