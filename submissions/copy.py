"""The Romanian texts of the submissions: refusals, statuses, e-mails.

Formal register ("dumneavoastră"), ș and ț with comma below (a test checks every string).
"""

from submissions.limits import MAX_FILE_MB, MAX_FILES

# --- files --------------------------------------------------------------------------
EMPTY_FILE = "Fișierul trimis este gol; alegeți din nou documentul."
FILE_TOO_LARGE = (
    f"Fișierul depășește {MAX_FILE_MB} MB, limita pentru un document. Micșorați fotografia "
    "sau scanați documentul la o rezoluție mai mică și trimiteți-l din nou."
)
TOO_MANY_FILES = (
    f"O cerere poate avea cel mult {MAX_FILES} documente. Puneți mai multe pagini într-un "
    "singur PDF sau renunțați la documentele care nu sunt cerute."
)
BAD_TYPE = (
    "Fișierul nu este un PDF, o fotografie JPEG sau o imagine PNG (am verificat conținutul, "
    "nu numele fișierului). Trimiteți documentul într-unul dintre aceste formate."
)
HEIC_UNSUPPORTED = (
    "Fotografiile HEIC (de pe iPhone) nu pot fi citite încă. În aplicația Poze alegeți "
    "„Partajare” → „Opțiuni” → „Cel mai compatibil” sau trimiteți o captură de ecran (JPEG/PNG)."
)
BAD_PDF = "PDF-ul nu poate fi citit (este deteriorat sau incomplet). Salvați-l din nou și retrimiteți-l."
PDF_ENCRYPTED = "PDF-ul este protejat cu parolă; trimiteți-l fără parolă, ca să poată fi citit."
BAD_IMAGE = "Imaginea nu poate fi citită (fișier deteriorat). Faceți din nou fotografia și retrimiteți-o."
IMAGE_TOO_LARGE = (
    "Imaginea are prea mulți pixeli; micșorați-o (de exemplu la 12 megapixeli) și retrimiteți-o."
)
UNKNOWN_DRAFT = "Documentele încărcate au expirat sau nu există; încărcați-le din nou."
UNKNOWN_REQUIREMENT = "Documentul ales din listă nu există pentru această cerere; alegeți din nou."
NOT_A_PDF_FORM = "Cererea semnată trebuie să fie un PDF."

# --- filing -------------------------------------------------------------------------
UNKNOWN_FORM = "Formularul ales nu există în catalogul primăriei."
NAME_NEEDED = "Scrieți numele și prenumele dumneavoastră (cel puțin 3 litere)."
CONTACT_NEEDED = "Lăsați o adresă de e-mail sau un număr de telefon, ca să vă putem răspunde."
BAD_EMAIL = "Adresa de e-mail nu pare corectă (de exemplu nume@exemplu.ro)."
BAD_PHONE = "Numărul de telefon nu pare corect (de exemplu 0721 234 567)."
TEXT_TOO_LONG = "Textul are mai mult de {limit} de caractere; scurtați-l."
MESSAGE_NEEDED = "Scrieți pe scurt ce doriți să ne transmiteți."
NO_SEAL = (
    "Depunerea online nu este disponibilă acum (dovada de înregistrare nu poate fi sigilată). "
    "Încercați mai târziu sau depuneți cererea la registratură, Str. Călugăreni nr. 2-4."
)
NOTHING_TO_FILE = "Adăugați cererea semnată sau cel puțin un document înainte de a trimite."

NOTHING_TO_REPLY = "Adăugați documentul cerut înainte de a-l trimite."
NOT_WAITING = "Cererea nu mai așteaptă documente de la dumneavoastră; stadiul ei îl aflați în chat."

# --- status -------------------------------------------------------------------------
NOT_FOUND = (
    "Nu am găsit o cerere cu acest număr și acest cod de acces. Verificați numărul și codul "
    "de pe dovada de înregistrare (de exemplu 123/01.12.2026 și codul de 12 caractere)."
)
BAD_NUMBER = "Numărul de înregistrare are forma număr/zi.lună.an, de exemplu 123/01.12.2026."
STATUS_NAMES = {
    "new": "înregistrată, în așteptarea repartizării",
    "assigned": "în lucru la departament",
    "waiting_citizen": "în așteptarea unui document de la dumneavoastră",
    "resolved": "soluționată",
    "rejected": "respinsă",
}

# --- department actions ---------------------------------------------------------------
NOT_ALLOWED_NOW = "Cererea {number} este „{status}”; acest pas nu mai este posibil."
UNKNOWN_ID = "Cererea cerută nu există (poate a fost ștearsă la expirarea perioadei de păstrare)."
NOT_YOUR_DEPARTMENT = "Cererea aparține altui departament; nu o puteți modifica."
REASON_NEEDED = "Scrieți motivul (cel puțin 5 caractere), ca cetățeanul să înțeleagă."
ANSWER_NEEDED = "Scrieți răspunsul pentru cetățean (cel puțin 5 caractere)."
REQUEST_NEEDED = "Scrieți ce document lipsește (cel puțin 5 caractere)."

# --- e-mails ------------------------------------------------------------------------
MAIL_NEW_SUBJECT = "Cerere nouă {number}: {title}"
MAIL_NEW_BODY = (
    "O cerere nouă a fost depusă online și repartizată departamentului dumneavoastră.\n\n"
    "Număr de înregistrare: {number}\nFormular: {title}\nDocumente: {documents}\n"
    "Termen legal de răspuns: {due}\n\nO găsiți în consola e-funcționar, la „Cereri depuse”."
)
MAIL_STATUS_SUBJECT = "Cererea dumneavoastră {number}: {status}"
MAIL_STATUS_BODY = (
    "Bună ziua,\n\nCererea dumneavoastră nr. {number} („{title}”) este acum: {status}.\n"
    "{details}\nPuteți afla oricând stadiul cererii în chatul de pe site-ul primăriei, cu "
    "numărul de înregistrare și codul de acces de pe dovada de înregistrare.\n\n"
    "Primăria Orașului Măgurele"
)
MAIL_REPLY_SUBJECT = "Documentul cerut a sosit: cererea {number}"
MAIL_REPLY_BODY = (
    "Solicitantul cererii nr. {number} a trimis documentele cerute: {documents}.\n"
    "Termenul curge din nou; cererea este în consola e-funcționar, la „Cereri depuse”."
)
MAIL_FILED_SUBJECT = "Cererea dumneavoastră a fost înregistrată cu nr. {number}"
MAIL_FILED_BODY = (
    "Bună ziua,\n\nCererea „{title}” a fost înregistrată la Primăria Orașului Măgurele cu "
    "nr. {number}, la {when}.\nTermenul legal de răspuns: {due}.\n\nPăstrați codul de acces "
    "de pe dovada de înregistrare: cu el și cu numărul aflați stadiul cererii în chat.\n\n"
    "Primăria Orașului Măgurele"
)
