"""Buttons and links as the widget shows them: only safe links, only named buttons."""

import logging
import re
from typing import Any, Dict, List

logger = logging.getLogger(__name__)

#: The links the widget may open: http(s), mailto, tel, or a path on this server.
SAFE_URL = re.compile(r"^(https?://|mailto:|tel:|/(?!/))", re.IGNORECASE)


def clean_buttons(buttons: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """Buttons as the widget shows them: a payload to send, or a link (http(s), mailto, tel,
    or a path on this server). Anything else is dropped, with a log line."""
    cleaned = []
    for button in buttons or []:
        title = str(button.get("title") or "").strip()
        url = button.get("url")
        if button.get("type") == "web_url" or url:
            url = str(url or button.get("payload") or "")
            if not title or not SAFE_URL.match(url):
                logger.warning("handoff: link button %r dropped (unsafe or empty)", button)
                continue
            cleaned.append({"title": title, "url": url})
        elif title and button.get("payload"):
            cleaned.append({"title": title, "payload": str(button["payload"])})
        else:
            logger.warning("handoff: button %r dropped (no title or payload)", button)
    return cleaned
