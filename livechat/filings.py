"""The live chat's side of the online submissions (submissions/): filings confirmed from the
website, status questions in the chat, department answers shown to the connected citizen,
and "lăsați un mesaj" when no clerk is there.

One :class:`FilingDesk` per live chat (:func:`filings_of`), on the live chat's engine; the
seal is the one the chat's filled forms use (loaded once, :mod:`livechat.filled_forms`).
The action server never opens the database: ``action_filing_status`` sends
``{"filing_status": {"number": …, "code": …}}`` and ``action_leave_message`` sends
``{"leave_message": {}}`` (livechat/protocol.py); :meth:`FilingDesk.custom` answers them.
"""

import asyncio
import logging
import os
import weakref
from typing import Any, Callable, Dict, Optional, TypeVar
from urllib.parse import quote

from livechat import earlier
from livechat.filled_forms import filled_forms_of
from livechat.protocol import FILING_STATUS, LEAVE_MESSAGE
from submissions.department import DepartmentDesk
from submissions.errors import SubmissionError
from submissions.filings import Submissions
from submissions.mail import SmtpSettings
from submissions.outbox import Outbox, outbox_loop
from submissions.views import Filed, Notice

logger = logging.getLogger(__name__)
T = TypeVar("T")

FILING_PAGE = "/depunere/{form_id}"
MESSAGE_PAGE = "/depunere/mesaj"
RECEIPT_PATH = "/depunere/chitanta/{token}.pdf"
STATUS_NEEDS_BOTH = (
    "Ca să vă spun stadiul cererii, scrieți într-un singur mesaj numărul de înregistrare și "
    "codul de acces de pe dovada de înregistrare, de exemplu: „stadiul cererii 123/01.12.2026, "
    "cod ABCD-EFGH-JKMN”."
)
STATUS_UNAVAILABLE = "Nu pot citi acum stadiul cererilor. Încercați din nou peste câteva minute."


def leave_message_button(conversation_id: str) -> Dict[str, str]:
    return {"title": "Lăsați un mesaj", "url": f"{MESSAGE_PAGE}?c={conversation_id}"}


class FilingDesk:
    """The submissions of one live chat."""

    def __init__(self, service: Any) -> None:
        self.service = service
        engine = service.store.engine
        self.submissions = Submissions(engine, clock=service.clock)
        self.desk = DepartmentDesk(engine, clock=service.clock)
        self.outbox = Outbox(engine, clock=service.clock)

    async def blocking(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, lambda: work(*args, **kwargs))

    async def file(self, draft: Optional[str], form_id: str, **details: Any) -> Filed:
        """Register a filing (the seal loaded once); tells the chat, if one is named."""
        seal = await filled_forms_of(self.service).seal()
        conversation_id = details.get("conversation_id")
        if conversation_id is not None and self.service.store.conversation(conversation_id) is None:
            details["conversation_id"] = conversation_id = None  # not a conversation of this site
        filed = await self.blocking(self.submissions.file, draft, form_id, seal=seal, **details)
        if conversation_id:
            link = RECEIPT_PATH.format(token=filed.receipt_token)
            await self.service.bot_message(
                conversation_id,
                f"Cererea dumneavoastră a fost înregistrată cu nr. {filed.registration_no}. "
                f"Termenul legal de răspuns: {filed.due_on:%d.%m.%Y}. Dovada de înregistrare, cu "
                "codul de acces, o descărcați de aici (24 de ore). Vă anunțăm aici și pe e-mail "
                "când se schimbă stadiul cererii.",
                {"buttons": [{"title": "Descărcați dovada de înregistrare (PDF)", "url": link}]},
                archive_extra={"registration_no": filed.registration_no},
            )
        return filed

    async def notify(self, notice: Notice) -> None:
        """Show a status change to the citizen in the chat of the filing (stored in its
        transcript, so a citizen who comes back later sees it too)."""
        if not notice.conversation_id or self.service.store.conversation(notice.conversation_id) is None:
            return
        data: Dict[str, Any] = {}
        if notice.answer_link:
            data["buttons"] = [{"title": "Descărcați răspunsul (PDF)", "url": notice.answer_link}]
        if notice.reply_link:
            url = f"{notice.reply_link}&c={quote(notice.conversation_id)}"
            data["buttons"] = [{"title": "Trimiteți documentul cerut", "url": url}]
        await self.service.bot_message(
            notice.conversation_id,
            notice.text,
            data,
            archive_extra={"registration_no": notice.registration_no},
        )

    async def status_reply(self, conversation_id: str, payload: Any) -> None:
        number = payload.get("number") if isinstance(payload, dict) else None
        code = payload.get("code") if isinstance(payload, dict) else None
        if not isinstance(number, str) or not isinstance(code, str):
            await self.service.bot_message(conversation_id, STATUS_NEEDS_BOTH, {})
            return
        try:
            status = await self.blocking(self.submissions.status, number, code)
        except SubmissionError as refused:
            await self.service.bot_message(conversation_id, refused.message, {})
            return
        # The code was proved: this conversation is the filing's citizen's (livechat/earlier.py).
        with self.service.store.session_scope() as connection:
            earlier.link(
                connection, conversation_id, earlier.FILING, status.registration_no, self.service.clock()
            )
        lines = [
            f"Cererea nr. {status.registration_no} („{status.form_title}”) este {status.status_name}.",
            f"Termenul legal de răspuns: {status.due_on:%d.%m.%Y}.",
        ]
        if status.status == "waiting_citizen" and status.request_text:
            lines.append(f"Departamentul vă roagă să trimiteți: {status.request_text}")
        if status.resolution and status.status in ("resolved", "rejected"):
            label = "Răspunsul" if status.status == "resolved" else "Motivul"
            lines.append(f"{label}: {status.resolution}")
        await self.service.bot_message(conversation_id, "\n".join(lines), {})

    async def leave_message_offer(self, conversation_id: str) -> None:
        await self.service.bot_message(
            conversation_id,
            "Lăsați-ne un mesaj cu întrebarea și datele de contact: îl înregistrăm și vă "
            "răspundem în ziua lucrătoare următoare, în chat și pe e-mail.",
            {"buttons": [leave_message_button(conversation_id)]},
        )

    async def custom(self, conversation_id: str, custom: Dict[str, Any]) -> bool:
        """Handle a custom payload of the submissions; False if it is not one."""
        if FILING_STATUS in custom:
            await self.status_reply(conversation_id, custom[FILING_STATUS])
            return True
        if LEAVE_MESSAGE in custom:
            await self.leave_message_offer(conversation_id)
            return True
        return False


_BY_SERVICE: "weakref.WeakKeyDictionary[Any, FilingDesk]" = weakref.WeakKeyDictionary()


def filings_of(service: Any) -> FilingDesk:
    """The :class:`FilingDesk` of a live chat service, made on first use."""
    desk = _BY_SERVICE.get(service)
    if desk is None:
        desk = _BY_SERVICE[service] = FilingDesk(service)
    return desk


def start_outbox(service: Any, loop: asyncio.AbstractEventLoop) -> "asyncio.Task[None]":
    """The outbox's sending loop: the ``SMTP_*`` settings (a wrong one stops the start),
    every ``OUTBOX_SECONDS`` (15) seconds."""
    desk = filings_of(service)
    try:
        every = float(os.environ.get("OUTBOX_SECONDS", "15"))
    except ValueError:
        raise ValueError("OUTBOX_SECONDS must be a number of seconds") from None
    return loop.create_task(
        outbox_loop(desk.outbox, SmtpSettings.from_env(), every, housekeeping=desk.submissions.forget_expired)
    )
