"""The website's side of the chat's guided filling: the filled PDF, sealed and linked.

``action_finish_filling`` (actions/filling.py) ends the filling with the custom payload
``{"filled_form": {"form_id": …, "values": {…}}}`` (forms_catalog.filling); the action
server never fills or keeps documents. The channel's ``bot_custom`` hands it to
:func:`deliver`, which

1. fills the form and seals it with the city hall's seal (``fill_and_seal`` in an
   executor: pyHanko blocks), the values checked again by the catalog's validators;
2. keeps the PDF under a random token (forms_catalog.filled: ``var/filled/``, for
   ``FILLED_FORMS_HOURS``), served at ``/formulare/completate/<token>.pdf``;
3. archives a system turn ``form_filled`` with ``{"form_id", "sha256"}`` — the document's
   fingerprint with the conversation, for auditors;
4. only then sends the citizen the link and the SHA-256.

If the turn cannot be archived, the PDF is deleted and the citizen told (nothing is sent
that was not recorded). Without a seal configured (``SEAL_KEY``/``SEAL_CERT``) or when the
values are refused, the citizen gets the reason and the form page, where the form can be
filled, signed and downloaded. The seal is loaded once per live chat, when first needed,
from the same settings as the form pages (web/forms.py). Values are never logged.
"""

import asyncio
import logging
import os
import weakref
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple

from forms_catalog import FieldValidationError, UnknownFormError, form_page_url, load_catalog
from forms_catalog.filled import FilledStore, download_path
from livechat.archive import ArchiveError, Turn
from livechat.errors import HandoffError
from livechat.tables import SYSTEM

logger = logging.getLogger(__name__)

#: The archive's system event of a PDF filled in the chat (extra: form_id, sha256).
FORM_FILLED = "form_filled"
# Filling and sealing take about a second of CPU: at most this many at a time per process.
FILL_SLOTS = 2

UNAVAILABLE = (
    "Completarea PDF-ului nu este disponibilă acum. Vă rog să completați cererea pe pagina "
    "formularului, unde o semnați și o descărcați sigilată de primărie."
)
REFUSED = "Cererea nu a putut fi completată: {reason} Vă rog să o completați pe pagina formularului."
NOT_RECORDED = (
    "Cererea completată nu a putut fi înregistrată în arhivă, de aceea nu v-a fost trimisă. "
    "Încercați din nou peste câteva momente (scrieți „vreau să completez cererea”)."
)
_UNLOADED = object()


def _seal_configured(environ: Mapping[str, str]) -> bool:
    from forms_catalog.seal import ENV_CERT, ENV_KEY

    return bool(environ.get(ENV_KEY, "").strip() or environ.get(ENV_CERT, "").strip())


def load_configured_seal() -> Any:
    """The seal of the ``SEAL_*`` settings, or ``None`` when none is set (blocking).

    Raises:
        SealConfigError: a setting is wrong (the message names it, never the passphrase).
    """
    from forms_catalog.seal import load_seal

    return load_seal(os.environ) if _seal_configured(os.environ) else None


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    count = int(hours) if hours == int(hours) else round(hours, 1)
    return "o oră" if count == 1 else f"{count} ore" if count < 20 else f"{count} de ore"


class FilledForms:
    """Fills, seals and keeps the PDFs of one live chat."""

    def __init__(self, store: FilledStore, seal_loader: Any = load_configured_seal) -> None:
        self.store = store
        self._seal_loader = seal_loader
        self._seal: Any = _UNLOADED
        self._seal_lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(FILL_SLOTS)

    async def seal(self) -> Any:
        """The seal, loaded once (in an executor), or ``None`` when none is configured."""
        async with self._seal_lock:
            if self._seal is _UNLOADED:
                self._seal = await asyncio.get_running_loop().run_in_executor(None, self._seal_loader)
                logger.info("chat filling: sealing with %r", self._seal)
            return self._seal

    def _fill(self, form_id: str, values: Dict[str, Any], seal: Any) -> Tuple[str, str]:
        from forms_catalog.seal import document_sha256, fill_and_seal

        pdf = fill_and_seal(form_id, values, None, seal=seal)
        return self.store.save(pdf), document_sha256(pdf)

    async def make(self, form_id: str, values: Dict[str, Any], seal: Any) -> Tuple[str, str]:
        """Fill, seal and keep the PDF; returns (token, sha256).

        Raises:
            UnknownFormError, FieldValidationError: the form or a value is refused (Romanian).
        """
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(None, self._fill, form_id, values, seal)


_BY_SERVICE: "weakref.WeakKeyDictionary[Any, FilledForms]" = weakref.WeakKeyDictionary()


def filled_forms_of(service: Any) -> FilledForms:
    """The :class:`FilledForms` of a live chat service, made on first use."""
    filled = _BY_SERVICE.get(service)
    if filled is None:
        filled = _BY_SERVICE[service] = FilledForms(FilledStore.from_env())
    return filled


def _page_button(form_id: str) -> List[Dict[str, str]]:
    return [{"title": "Deschideți pagina formularului", "url": form_page_url(form_id)}]


# Sends a message to the citizen: (conversation id, text, data with buttons).
Send = Callable[[str, str, Dict[str, Any]], Awaitable[Any]]


async def deliver(
    service: Any, conversation_id: str, payload: Any, send: Optional[Send] = None, by: Optional[str] = None
) -> bool:
    """The filled PDF of ``payload`` sealed, kept, archived, and linked to the citizen;
    whether it was.

    ``service`` is the live chat (livechat.service.HandoffService): its sink archives,
    ``hub`` reaches the citizen; ``send`` sends the messages (the bot's, by default; the
    clerk's when a clerk completed the form, ``by`` naming them in the archive).
    """
    send = send or service.bot_message
    form_id = payload.get("form_id") if isinstance(payload, dict) else None
    values = payload.get("values") if isinstance(payload, dict) else None
    form = load_catalog().forms.get(form_id) if isinstance(form_id, str) else None
    if form is None or not isinstance(values, dict):
        logger.error("chat filling: malformed filled_form payload in %s; nothing filled", conversation_id)
        await send(conversation_id, REFUSED.format(reason="datele primite nu sunt complete."), {})
        return False
    filled = filled_forms_of(service)
    try:
        seal = await filled.seal()
    except Exception:  # a wrong seal setting: the form pages refuse to start with it too
        logger.exception("chat filling: the seal cannot be loaded; %s not filled", form.id)
        seal = None
    if seal is None:
        await send(conversation_id, UNAVAILABLE, {"buttons": _page_button(form.id)})
        return False
    try:
        token, sha256 = await filled.make(form.id, values, seal)
    except (FieldValidationError, UnknownFormError) as error:
        logger.info("chat filling: %s refused in %s", form.id, conversation_id)  # no values
        reason = error.message if isinstance(error, FieldValidationError) else str(error)
        await send(conversation_id, REFUSED.format(reason=reason), {"buttons": _page_button(form.id)})
        return False
    try:
        await service.sink.record(
            Turn(
                conversation_id,
                SYSTEM,
                f"Cererea „{form.title}” a fost completată în chat"
                + (f" de funcționar ({by})" if by else "")
                + f" și sigilată (SHA-256 {sha256}).",
                event=FORM_FILLED,
                form_ids=(form.id,),
                extra={"form_id": form.id, "sha256": sha256, **({"by": by} if by else {})},
            )
        )
    except ArchiveError as error:
        logger.error("chat filling: archiving form_filled of %s failed: %s", conversation_id, error)
        filled.store.discard(token)
        await service.hub.to_citizen(conversation_id, HandoffError("archive_failed", NOT_RECORDED).frame())
        return False
    link = download_path(token)
    logger.info("chat filling: %s filled and sealed in %s, sha256 %s", form.id, conversation_id, sha256)
    await send(
        conversation_id,
        f"Cererea „{form.title}” este completată și sigilată de primărie. O descărcați de aici "
        f"(linkul este valabil {_hours(filled.store.seconds)}): {link}\n"
        "Semnați PDF-ul în aplicația dumneavoastră de PDF (câmpul „Semnătura”), apoi depuneți-l "
        "așa cum se arată în descrierea cererii.\n"
        f"Amprenta documentului (SHA-256): {sha256}",
        {"buttons": [{"title": "Descărcați cererea completată (PDF)", "url": link}], "form_id": form.id},
    )
    return True
