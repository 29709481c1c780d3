"""What a channel accepts from outside, checked once at the door, before Rasa sees it.

Every channel calls these on what a person sends (the website's citizen socket and the
clerk console through the service, the REST webhook through :mod:`livechat.rest`): a
refused message gets a clear error and no reply, and nothing is recorded — so the bot
never answers a message the archive would then refuse.
"""

import json
import re
import unicodedata
from typing import Any, Optional, Union

from livechat.settings import MAX_MESSAGE_CHARS

#: Conversation ids a person may name: the widget's, or a REST integration's sender.
#: A leading underscore is reserved for the archive's own records.
CONVERSATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$")
# Control characters other than tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Refused(ValueError):
    """Input refused at the door; ``message`` is what the sender reads, in Romanian.

    Attributes:
        code: stable machine-readable reason (``empty``, ``too_long``, ``malformed``, …).
        status: the HTTP status for an HTTP channel.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _visible(text: str) -> bool:
    """Whether ``text`` has a character a person can see (not only spaces, zero-width
    spaces, joiners or direction marks)."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Zs") for ch in text)


def check_text(text: Any, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A message a citizen or clerk may send, or :class:`Refused` saying why not."""
    if not isinstance(text, str):
        raise Refused("malformed", "Mesajul trebuie să fie text.")
    if len(text) > limit:
        raise Refused(
            "too_long",
            f"Mesajul are {len(text)} de caractere; limita este de {limit}. "
            "Scurtați-l sau împărțiți-l în mai multe mesaje.",
            status=413,
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: half of an emoji, cut by the sender
        raise Refused(
            "malformed",
            "Mesajul conține un caracter incomplet (de exemplu jumătate de emoji); "
            "ștergeți-l și trimiteți din nou.",
        ) from None
    if _CONTROL.search(text):
        raise Refused(
            "malformed", "Mesajul conține caractere de control; scrieți doar text și trimiteți din nou."
        )
    if not _visible(text):
        raise Refused("empty", "Mesajul este gol; scrieți ceva înainte să-l trimiteți.")
    return text


def check_conversation_id(conversation_id: Any) -> Optional[str]:
    """A conversation id a person may name, or :class:`Refused`."""
    if not isinstance(conversation_id, str) or not CONVERSATION_ID.match(conversation_id):
        raise Refused(
            "bad_conversation_id",
            "Identificatorul conversației nu este valid: 1–64 de litere fără diacritice, "
            "cifre sau . _ : @ -, fără „_” la început.",
        )
    return conversation_id


#: How deeply a JSON body or frame may nest lists and objects.
MAX_JSON_DEPTH = 20


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(raw: Union[str, bytes], *, max_bytes: int) -> Any:
    """A JSON text within ``max_bytes`` and :data:`MAX_JSON_DEPTH`, or :class:`Refused`
    (a frame nested 1,000 deep made wave 1's parser recurse out: a closed socket, a 500)."""
    if len(raw) > max_bytes:
        raise Refused("too_large", f"Cererea depășește {max_bytes // 1024} KB.", status=413)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise Refused("malformed", "Mesajul primit nu este JSON valid; nu a fost trimis.") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise Refused("malformed", "Mesajul are prea multe niveluri de date încuibărite; nu a fost trimis.")
    return value


#: The satisfaction scale the widget offers (issue 17), and the comment's limit.
RATING_MIN, RATING_MAX = 1, 5
MAX_RATING_COMMENT_CHARS = 500


def check_rating(score: Any, comment: Any) -> "tuple[int, Optional[str]]":
    """A citizen's rating: a whole number 1–5 and an optional comment, or :class:`Refused`."""
    if isinstance(score, bool) or not isinstance(score, int) or not RATING_MIN <= score <= RATING_MAX:
        raise Refused(
            "bad_rating",
            f"Alegeți o notă întreagă de la {RATING_MIN} la {RATING_MAX}; evaluarea nu a fost înregistrată.",
        )
    if comment is None or (isinstance(comment, str) and not _visible(comment)):
        return score, None
    return score, check_text(comment, limit=MAX_RATING_COMMENT_CHARS)
