"""What a clerk does from the console: presence, takeover, messages and cards, transfer,
release, close with a flag, the one-click redirect."""

import logging
from typing import Any, Dict, Optional

from livechat import archive, earlier
from livechat.archive import Turn
from livechat.copy import FLAG_REASONS_FOR_CITIZEN, FLAGGED_CLOSE_NOTICE
from livechat.errors import HandoffError, check_flag, check_text
from livechat.settings import MAX_MESSAGE_CHARS, clerk_grace
from livechat.store import Clerk, Conversation, Message
from livechat.tables import (
    ACTIVE,
    CLERK,
    FLAG_REASONS,
    PRESENCES,
    SYSTEM,
)
from livechat.views import ConsoleViews

logger = logging.getLogger(__name__)


class ClerkSide(ConsoleViews):
    """The console's actions on conversations."""

    def _holding(self, clerk: Clerk, conversation_id: str) -> Conversation:
        conversation = self._conversation(conversation_id)
        if conversation.state != CLERK or conversation.clerk_id != clerk.id:
            raise HandoffError(
                "not_yours",
                "Nu dețineți această conversație; nu s-a schimbat nimic. Preluați-o din coadă mai întâi.",
                status=409,
            )
        return conversation

    async def set_presence(self, clerk: Clerk, presence: Any) -> Clerk:
        if presence not in PRESENCES:
            raise HandoffError("bad_presence", "Starea poate fi doar „activ” sau „indisponibil”.", status=400)
        self.store.set_presence(clerk.id, presence, self.clock())
        await self.clerks_changed()
        await self.queue_changed()
        return self.store.clerk(clerk.id) or clerk

    async def takeover(self, clerk: Clerk, conversation_id: str) -> Dict[str, Any]:
        conversation = self._conversation(conversation_id)
        fresh = self.store.clerk(clerk.id)
        if fresh is None or fresh.presence != ACTIVE:
            raise HandoffError(
                "not_active",
                "Treceți-vă pe „activ” ca să preluați conversații.",
                status=409,
            )
        if not self.store.takeover(conversation.id, clerk.id, self.clock()):
            current = self._conversation(conversation.id)
            if current.state == CLERK and current.clerk_id is not None:
                holder = self.store.clerk(current.clerk_id)
                who = (
                    "dvs."
                    if current.clerk_id == clerk.id
                    else (holder.display_name if holder else "alt funcționar")
                )
                raise HandoffError("already_taken", f"Conversația a fost preluată deja de {who}.", status=409)
            raise HandoffError(
                "not_queued",
                "Conversația nu mai este în coadă (cetățeanul a ieșit din coadă sau a fost închisă).",
                status=409,
            )
        await self._system(
            conversation.id,
            archive.TAKEN_OVER,
            f"{fresh.display_name} de la Relații cu Publicul a preluat conversația și vă răspunde acum.",
            clerk=fresh,
        )
        taken = self._conversation(conversation.id)
        await self.hub.to_citizen(conversation.id, self.state_frame(taken))
        view = self.conversation_view(taken)
        await self.hub.to_clerk(clerk.id, {"type": "assigned", "conversation": view})
        await self.queue_changed()
        return view

    async def clerk_message(
        self, clerk: Clerk, conversation_id: str, text: Any, data: Optional[Dict[str, Any]] = None
    ) -> Message:
        text = check_text(text)
        conversation = self._holding(clerk, conversation_id)
        await self._archive(
            Turn(
                conversation.id,
                CLERK,
                text,
                clerk_id=clerk.username,
                form_ids=[data["form_id"]] if data and data.get("form_id") else [],
                extra=dict(data or {}),
            )  # fmt: skip
        )
        message = self.store.add_clerk_message(conversation.id, clerk, text, self.clock(), data)
        if message is None:  # transferred or released between the check and the write
            self._holding(clerk, conversation_id)
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        frame = message.as_json()
        await self.hub.to_citizen(conversation.id, frame)
        await self.hub.to_clerk(
            clerk.id, {"type": "message", "conversation_id": conversation.id, "message": frame}
        )
        return message

    async def internal_note(self, clerk: Clerk, conversation_id: str, text: Any) -> Message:
        """A note on the conversation for clerks and auditors, never sent to the citizen:
        archived as a system turn ``internal_note`` with the clerk, then kept in the
        transcript (clerk only) and shown on the clerk's console."""
        text = check_text(text)
        conversation = self._holding(clerk, conversation_id)
        await self._archive(
            Turn(conversation.id, SYSTEM, text, event=archive.INTERNAL_NOTE, clerk_id=clerk.username)
        )
        message = self.store.add_clerk_message(conversation.id, clerk, text, self.clock(), {"note": True})
        if message is None:  # transferred or released between the check and the write
            self._holding(clerk, conversation_id)
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        await self.hub.to_clerk(
            clerk.id, {"type": "message", "conversation_id": conversation.id, "message": message.as_json()}
        )
        return message

    async def clerk_typing(self, clerk: Clerk, conversation_id: Any) -> None:
        """The clerk is typing in a conversation they hold: the citizen's widget says so
        (nothing is stored)."""
        if not isinstance(conversation_id, str):
            raise HandoffError("malformed", "Lipsește conversația.")
        conversation = self._holding(clerk, conversation_id)
        await self.hub.to_citizen(
            conversation.id, {"type": "typing", "who": "clerk", "name": clerk.display_name}
        )

    def _form(self, form_id: Any) -> Any:
        from forms_catalog import load_catalog

        form = load_catalog().forms.get(form_id) if isinstance(form_id, str) else None
        if form is None:
            raise HandoffError("unknown_form", f"Formularul „{form_id}” nu există în catalog.", status=404)
        return form

    @staticmethod
    def pdf_button(form_id: str) -> Dict[str, str]:
        url = f"/formulare/{form_id}.pdf"
        return {"title": "Descărcați formularul (PDF)", "type": "web_url", "url": url, "payload": url}

    async def send_card(self, clerk: Clerk, conversation_id: str, form_id: Any) -> Message:
        """The procedure card of a form, as one message with the PDF link."""
        from forms_catalog import load_catalog

        form = self._form(form_id)
        self._holding(clerk, conversation_id)
        sections = load_catalog().card_sections(form.id)
        wanted = ("summary", "documents", "fee", "deadline", "submit", "pickup")
        text = "\n\n".join(sections[key] for key in wanted if sections.get(key))
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[: MAX_MESSAGE_CHARS - 1] + "…"
        return await self.clerk_message(
            clerk, conversation_id, text, {"buttons": [self.pdf_button(form.id)], "form_id": form.id}
        )

    async def send_pdf(self, clerk: Clerk, conversation_id: str, form_id: Any) -> Message:
        form = self._form(form_id)
        text = (
            f"Formularul „{form.title}” este un PDF interactiv: îl puteți completa și semna "
            "pe telefon sau pe calculator."
        )
        return await self.clerk_message(
            clerk, conversation_id, text, {"buttons": [self.pdf_button(form.id)], "form_id": form.id}
        )

    async def transfer(self, clerk: Clerk, conversation_id: str, to_username: Any) -> Dict[str, Any]:
        conversation = self._holding(clerk, conversation_id)
        target = self.store.clerk_by_username(to_username) if isinstance(to_username, str) else None
        if target is None:
            raise HandoffError("unknown_clerk", f"Nu există funcționarul „{to_username}”.", status=404)
        if target.id == clerk.id:
            raise HandoffError("same_clerk", "Conversația este deja a dvs.", status=400)
        if target.id not in {c.id for c in self.store.active_clerks(self.clock(), clerk_grace())}:
            raise HandoffError(
                "clerk_not_active",
                f"{target.display_name} nu este activ acum; alegeți un funcționar activ.",
                status=409,
            )
        if not self.store.transfer(conversation.id, clerk.id, target.id, self.clock()):
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        await self._system(
            conversation.id,
            archive.TRANSFERRED,
            f"Conversația a fost transferată către {target.display_name}, care vă răspunde în continuare.",
            clerk=clerk,
            extra={"to": target.username},
        )
        moved = self._conversation(conversation.id)
        await self.hub.to_citizen(conversation.id, self.state_frame(moved))
        await self.hub.to_clerk(
            clerk.id,
            {
                "type": "unassigned",
                "conversation_id": conversation.id,
                "reason": "transferred",
                "to": target.display_name,
            },
        )
        view = self.conversation_view(moved)
        await self.hub.to_clerk(
            target.id, {"type": "assigned", "conversation": view, "from": clerk.display_name}
        )
        return view

    async def release(self, clerk: Clerk, conversation_id: str) -> None:
        conversation = self._holding(clerk, conversation_id)
        if not self.store.release(conversation.id, clerk.id, self.clock()):
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        await self._system(
            conversation.id,
            archive.RELEASED,
            "Conversația continuă cu asistentul virtual. Puteți cere oricând din nou un funcționar.",
            clerk=clerk,
        )
        await self.hub.to_citizen(conversation.id, self.state_frame(self._conversation(conversation.id)))
        await self.hub.to_clerk(
            clerk.id, {"type": "unassigned", "conversation_id": conversation.id, "reason": "released"}
        )

    async def close(self, clerk: Clerk, conversation_id: str, flag: Any = None, note: Any = None) -> None:
        """Close a conversation the clerk holds; with ``flag`` (limbaj_jignitor, spam,
        altul + ``note``) also flag it for audit, the reason archived with the close."""
        flag, note = check_flag(flag, note)
        conversation = self._holding(clerk, conversation_id)
        if not self.store.close(conversation.id, clerk.id, self.clock(), flag, note):
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        if flag is None:
            text = (
                "Funcționarul a încheiat conversația. Vă mulțumim! Dacă mai aveți întrebări, "
                "scrieți aici și vă răspunde asistentul virtual."
            )
            extra: Dict[str, Any] = {}
        else:
            text = FLAGGED_CLOSE_NOTICE.format(why=FLAG_REASONS_FOR_CITIZEN[flag])
            extra = {"flag": flag, "reason": FLAG_REASONS[flag], "note": note}
        await self._system(
            conversation.id, archive.CLOSED, text, clerk=clerk, extra=extra,
            flags=[flag] if flag else [],
        )  # fmt: skip
        await self.hub.to_citizen(conversation.id, self.state_frame(self._conversation(conversation.id)))
        frame: Dict[str, Any] = {"type": "unassigned", "conversation_id": conversation.id, "reason": "closed"}
        if flag is not None:
            frame["flag"] = {"code": flag, "label": FLAG_REASONS[flag], "note": note}
        await self.hub.to_clerk(clerk.id, frame)

    async def send_redirect(self, clerk: Clerk, conversation_id: str, hint_id: Any) -> Message:
        """Send the citizen the redirect of a hint, as the clerk's message (one click)."""
        self._holding(clerk, conversation_id)
        hint_message = self.store.message(conversation_id, hint_id)
        hint = hint_message.data.get("hint") if hint_message is not None else None
        if not isinstance(hint, dict):
            raise HandoffError("unknown_hint", "Sugestia nu există în această conversație.", status=404)
        return await self.clerk_message(
            clerk,
            conversation_id,
            hint["text"],
            {"buttons": hint["buttons"],
             "redirect": {"topic": hint["topic"], "department": hint["department"], "hint_id": hint_id}},
        )  # fmt: skip

    # -- the citizen's earlier conversations (livechat/earlier.py) ------------------------

    def earlier_conversations(self, clerk: Clerk, conversation_id: str) -> Dict[str, Any]:
        """The citizen's other conversations, for the clerk holding ``conversation_id``."""
        conversation = self._holding(clerk, conversation_id)
        with self.store.session_scope() as connection:
            found = earlier.earlier(connection, conversation.id)
        return {"conversation_id": conversation.id, "earlier": [e.as_json() for e in found]}

    def earlier_transcript(self, clerk: Clerk, conversation_id: str, other_id: str) -> Dict[str, Any]:
        """One of them, read-only: its transcript (with the clerks' notes)."""
        conversation = self._holding(clerk, conversation_id)
        with self.store.session_scope() as connection:
            linked = {e.id: e for e in earlier.earlier(connection, conversation.id)}
        if other_id not in linked:
            raise HandoffError(
                "not_linked",
                "Această conversație nu este a aceluiași cetățean (alt browser, nicio cerere comună).",
                status=404,
            )
        return {
            **linked[other_id].as_json(),
            "transcript": [m.as_json() for m in self.store.transcript(other_id, 400)],
        }
