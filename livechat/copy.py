"""What the live chat says to citizens and clerks, in Romanian: fixed texts and the
helpers that fill them in."""

import datetime as dt
from zoneinfo import ZoneInfo

BOT_NAME = "Asistentul virtual"
SYSTEM_NAME = "e-funcționar"
RECORDING_NOTICE = (
    "Conversația este înregistrată și păstrată în arhiva Primăriei Orașului Măgurele. "
    "Nu scrieți date personale (CNP, date bancare) decât dacă un funcționar vi le cere."
)
# What the widget shows at the top of every conversation (the page's own text, like the
# recording notice: not a turn of the conversation, so it is not archived).
GREETING = (
    "Bună ziua! Sunt asistentul virtual al Primăriei Orașului Măgurele. Vă pot spune ce "
    "acte vă trebuie, cât costă și unde depuneți o cerere, și vă pot ajuta să completați "
    "formularele. În timpul programului puteți vorbi și cu un funcționar. Scrieți mai jos "
    "întrebarea dumneavoastră."
)
LOCAL_TZ = ZoneInfo("Europe/Bucharest")
PAUSED_NOTICE = (
    "Conversația este suspendată până la ora {time}. Mesajul dumneavoastră a fost salvat, "
    "dar nu primește răspuns până atunci. Între timp ne puteți scrie la {email}."
)
FLOOD_NOTICE = (
    "Vă rugăm să așteptați: ați trimis mai mult de {limit} într-un minut. Acest "
    "mesaj nu a fost trimis; îl puteți retrimite peste {seconds}."
)


def count_text(count: int, one: str, many: str) -> str:
    """A Romanian count: ``one`` for 1 ("o secundă"), "5 secunde", "20 de secunde"."""
    if count == 1:
        return one
    if count % 100 == 0 or count % 100 >= 20:
        return f"{count} de {many}"
    return f"{count} {many}"


# Why a conversation was flagged, as the citizen reads it when the clerk closes it (the
# clerk's note stays for the auditors).
FLAGGED_CLOSE_NOTICE = (
    "Funcționarul a încheiat conversația și a semnalat-o pentru verificare{why}. Dacă mai "
    "aveți întrebări, scrieți aici și vă răspunde asistentul virtual."
)
FLAG_REASONS_FOR_CITIZEN = {
    "limbaj_jignitor": ", deoarece conține limbaj jignitor",
    "spam": ", deoarece conține mesaje repetate sau fără legătură cu serviciile primăriei",
    "altul": ", cu un motiv notat pentru colegii care verifică arhiva",
}

INTENT_TOPICS = {
    "request_human": "A cerut un funcționar",
    "nlu_fallback": "Asistentul nu a înțeles întrebarea",
    "out_of_scope": "Întrebare în afara procedurilor",
    "ask_schedule": "Program",
    "ask_contact": "Contact",
    "ask_location": "Adresă",
}


def local_time(moment: dt.datetime) -> str:
    """``HH:MM`` in Europe/Bucharest."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")
