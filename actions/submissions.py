"""Filed requests in the chat: the status question and "lăsați un mesaj".

The action server never opens the database: on the website it sends the channel a custom
payload (livechat/protocol.py) — ``{"filing_status": {"number", "code"}}`` with what the
message holds, or ``{"leave_message": {}}`` — and the channel, which owns the filings,
answers (livechat/filings.py). Elsewhere (REST) the citizen is told where to ask.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from livechat.decision import mail_button, registratura_email
from livechat.protocol import WEBSITE_CHANNEL, filing_status_payload, leave_message_payload

ONLY_ON_WEBSITE_STATUS = (
    "Stadiul unei cereri depuse online îl aflați în chatul de pe site-ul primăriei, cu numărul "
    "de înregistrare și codul de acces de pe dovada de înregistrare, sau la registratură."
)
ONLY_ON_WEBSITE_MESSAGE = "Ne puteți scrie pe e-mail la {email}; vă răspundem în ziua lucrătoare următoare."


class ActionFilingStatus(Action):
    def name(self) -> Text:
        return "action_filing_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if tracker.get_latest_input_channel() == WEBSITE_CHANNEL:
            text = (tracker.latest_message or {}).get("text") or ""
            dispatcher.utter_message(json_message=filing_status_payload(text))
        else:
            dispatcher.utter_message(text=ONLY_ON_WEBSITE_STATUS)
        return []


class ActionLeaveMessage(Action):
    def name(self) -> Text:
        return "action_leave_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if tracker.get_latest_input_channel() == WEBSITE_CHANNEL:
            dispatcher.utter_message(json_message=leave_message_payload())
        else:
            email = registratura_email()
            dispatcher.utter_message(
                text=ONLY_ON_WEBSITE_MESSAGE.format(email=email), buttons=[mail_button(email)]
            )
        return []
