"""The real assistant (Rasa server with the trained model, action server) set up for
filing online: the test seal, a local SMTP server (aiosmtpd), an always-open schedule."""

from pathlib import Path
from typing import Dict, Iterator, Tuple

from tests.integration.servers import Assistant, start_assistant
from tests.livechat.conftest import ALWAYS_OPEN
from tests.ports import free_port
from tests.submissions.smtp_server import Inbox, start_smtp


def filing_assistant(folder: Path, seal_env: Dict[str, str]) -> Iterator[Tuple[Assistant, Inbox]]:
    """Yields the running assistant and the inbox of its SMTP server; stops both."""
    schedule = folder / "schedule.yml"
    schedule.write_text(ALWAYS_OPEN)
    inbox, port = Inbox(), free_port()
    smtp = start_smtp(port, inbox)
    env = dict(seal_env)
    env.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_STARTTLS="false", OUTBOX_SECONDS="1",
        HANDOFF_SCHEDULE=str(schedule), HANDOFF_CLERK_GRACE_SECONDS="60",
        FILLED_FORMS_DIR=str(folder / "filled"), FORMS_CATALOG_PDF_DIR=str(folder / "pdf"),
    )  # fmt: skip
    assistant = start_assistant(folder, **env)
    try:
        yield assistant, inbox
    finally:
        assistant.stop()
        smtp.stop()
