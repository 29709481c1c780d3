"""Validators for values citizens type into forms: CNP, dates, e-mail, phone, …

Each validator takes the raw text, returns it normalised (the form in which it is written
into the PDF or stored in a slot) and raises :class:`InvalidValue` with a short Romanian
message otherwise. The messages do not name the field, so that a caller can prefix the
field's label ("CNP: cifra de control nu este corectă."). The bot's form validation
(``FormValidationAction.validate_<slot>``) and :func:`forms_catalog.pdf.fill_pdf` use the
same functions, through :data:`VALIDATORS` or directly.
"""

import datetime as _dt
import re
from typing import Callable, Dict, Optional

from forms_catalog.errors import InvalidValue

__all__ = [
    "InvalidValue",
    "VALIDATORS",
    "VALIDATOR_HINTS",
    "cnp_birth_date",
    "validate_amount",
    "validate_cadastral_number",
    "validate_cnp",
    "validate_date",
    "validate_email",
    "validate_iban",
    "validate_integer",
    "validate_phone",
    "validate_postal_code",
    "validate_vin",
]

# --- CNP ---------------------------------------------------------------------------

_CNP_WEIGHTS = (2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9)

# JJ: 01–46 counties and Bucharest sectors, 51 Călărași, 52 Giurgiu. 47 and 48 (Bucharest
# sectors 7 and 8, abolished in 1979) still appear in CNPs of older people, and 70 is the
# code the population register uses for people registered regardless of county. Rejecting
# a real citizen's CNP is worse than accepting a rare impossible one, so all are allowed.
_CNP_COUNTIES = frozenset([f"{n:02d}" for n in range(1, 49)] + ["51", "52", "70"])

# First digit → century of birth; 7, 8 (foreign residents) and 9 (foreigners) do not
# encode it, so both plausible centuries are tried.
_CNP_CENTURIES = {
    "1": (1900,),
    "2": (1900,),
    "3": (1800,),
    "4": (1800,),
    "5": (2000,),
    "6": (2000,),
    "7": (2000, 1900),
    "8": (2000, 1900),
    "9": (2000, 1900),
}


def _cnp_control_digit(first_twelve: str) -> int:
    remainder = sum(int(d) * w for d, w in zip(first_twelve, _CNP_WEIGHTS)) % 11
    return 1 if remainder == 10 else remainder


def cnp_birth_date(cnp: str, today: Optional[_dt.date] = None) -> Optional[_dt.date]:
    """Birth date encoded in a CNP (13 digits), or ``None`` if it encodes no valid date."""
    today = today or _dt.date.today()
    yy, mm, dd = int(cnp[1:3]), int(cnp[3:5]), int(cnp[5:7])
    for century in _CNP_CENTURIES.get(cnp[0], ()):
        try:
            born = _dt.date(century + yy, mm, dd)
        except ValueError:
            continue
        if born <= today:
            return born
    return None


def validate_cnp(value: str, today: Optional[_dt.date] = None) -> str:
    """Check a Romanian personal numeric code (CNP).

    Checks the length, the first digit, the birth date (a real, past date), the county
    code, the serial number and the control digit (weights 279146358279, sum mod 11,
    10 → 1).

    >>> validate_cnp(" 1800101221144 ")
    '1800101221144'
    """
    cnp = re.sub(r"\s+", "", value)
    if not cnp.isdigit() or not cnp.isascii():
        raise InvalidValue("CNP-ul conține doar cifre.")
    if len(cnp) != 13:
        raise InvalidValue(f"CNP-ul are 13 cifre, nu {len(cnp)}.")
    if cnp[0] == "0":
        raise InvalidValue("Prima cifră a CNP-ului nu poate fi 0.")
    if cnp_birth_date(cnp, today) is None:
        raise InvalidValue("Data nașterii din CNP (cifrele 2–7) nu este o dată validă.")
    if cnp[7:9] not in _CNP_COUNTIES:
        raise InvalidValue(f"Codul de județ din CNP ({cnp[7:9]}) nu există.")
    if cnp[9:12] == "000":
        raise InvalidValue("Numărul de ordine din CNP (cifrele 10–12) nu poate fi 000.")
    if _cnp_control_digit(cnp[:12]) != int(cnp[12]):
        raise InvalidValue("Cifra de control a CNP-ului (ultima cifră) nu este corectă; verificați CNP-ul.")
    return cnp


# --- dates -------------------------------------------------------------------------

_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")


def validate_date(value: str) -> str:
    """Check a calendar date written zz.ll.aaaa; return it zero-padded with dots.

    "1.3.2024", "01-03-2024" and "01/03/2024" are accepted and become "01.03.2024".
    """
    match = _DATE.fullmatch(value.strip())
    if not match:
        raise InvalidValue("Scrieți data în formatul zz.ll.aaaa, de exemplu 05.03.2024.")
    day, month, year = (int(g) for g in match.groups())
    if not 1900 <= year <= 2100:
        raise InvalidValue("Anul trebuie să fie între 1900 și 2100.")
    try:
        _dt.date(year, month, day)
    except ValueError:
        raise InvalidValue(f"Data {value.strip()} nu există în calendar.") from None
    return f"{day:02d}.{month:02d}.{year}"


# --- e-mail ------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def validate_email(value: str) -> str:
    """Check an e-mail address (practical rules, no network lookup); lower-case the domain."""
    address = value.strip()
    if len(address) > 254 or address.count("@") != 1:
        raise InvalidValue("Adresa de e-mail nu este validă (exemplu: nume@exemplu.ro).")
    local, domain = address.split("@")
    labels = domain.split(".")
    if (
        not _EMAIL_LOCAL.fullmatch(local)
        or len(local) > 64
        or len(labels) < 2
        or not all(_EMAIL_LABEL.fullmatch(label) for label in labels)
        or not re.fullmatch(r"[A-Za-z]{2,63}", labels[-1])
    ):
        raise InvalidValue("Adresa de e-mail nu este validă (exemplu: nume@exemplu.ro).")
    return f"{local}@{domain.lower()}"


# --- phone -------------------------------------------------------------------------


def validate_phone(value: str) -> str:
    """Check a Romanian phone number; return it as 10 digits starting with 0.

    Mobile (07…) and landline (02…, 03…) numbers are accepted, with or without +40/0040
    and with spaces, dots, dashes or brackets: "+40 721 234 567" → "0721234567".
    """
    digits = re.sub(r"[\s.()/-]", "", value.strip())
    if digits.startswith("+40"):
        digits = "0" + digits[3:]
    elif digits.startswith("0040"):
        digits = "0" + digits[4:]
    if not digits.isdigit() or not digits.isascii() or len(digits) != 10:
        raise InvalidValue("Numărul de telefon are 10 cifre, de exemplu 0721 234 567 sau 021 457 40 91.")
    if digits[1] not in "237":
        raise InvalidValue("Numărul de telefon trebuie să înceapă cu 07, 02 sau 03.")
    return digits


# --- postal code, cadastral number ---------------------------------------------------


def validate_postal_code(value: str) -> str:
    """Check a Romanian postal code: exactly 6 digits (e.g. 077125)."""
    code = re.sub(r"\s+", "", value)
    if not re.fullmatch(r"[0-9]{6}", code):
        raise InvalidValue("Codul poștal are exact 6 cifre, de exemplu 077125.")
    return code


# A cadastral number is a number (up to 7 digits), optionally followed by the older
# subdivisions "/1/2" and by building and unit suffixes: "51234", "1234/1/2",
# "51234-C1", "51234-C1-U3".
_CADASTRAL = re.compile(r"[0-9]{1,7}(/[0-9]{1,4})*(-C[0-9]{1,3}(-U[0-9]{1,4})?)?")


def validate_cadastral_number(value: str) -> str:
    """Check a cadastral number (număr cadastral) as written in a land-book extract."""
    number = re.sub(r"\s+", "", value).upper()
    if not _CADASTRAL.fullmatch(number) or number.strip("0/-CU") == "":
        raise InvalidValue(
            "Numărul cadastral are forma 51234, 1234/1/2 sau 51234-C1-U3 "
            "(îl găsiți în extrasul de carte funciară)."
        )
    return number


# --- bank account, vehicle, numbers --------------------------------------------------


def validate_iban(value: str) -> str:
    """Check an IBAN (ISO 13616 mod-97); Romanian IBANs must have 24 characters."""
    iban = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban) or (
        iban.startswith("RO") and len(iban) != 24
    ):
        raise InvalidValue("Codul IBAN nu este valid (un IBAN românesc are 24 de caractere).")
    rearranged = iban[4:] + iban[:4]
    if int("".join(str(int(c, 36)) for c in rearranged)) % 97 != 1:
        raise InvalidValue("Codul IBAN are o cifră greșită; verificați-l pe extrasul de cont.")
    return iban


def validate_vin(value: str) -> str:
    """Check a vehicle identification number (serie de șasiu, VIN): 17 characters, no I/O/Q."""
    vin = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        raise InvalidValue("Seria de șasiu (VIN) are 17 litere și cifre, fără I, O și Q; o găsiți în talon.")
    return vin


def validate_integer(value: str) -> str:
    """Check a whole number written with digits only (e.g. the number of family members)."""
    number = value.strip()
    if not re.fullmatch(r"[0-9]{1,6}", number):
        raise InvalidValue("Scrieți un număr întreg, doar cu cifre.")
    return str(int(number))


def validate_amount(value: str) -> str:
    """Check an amount in lei ("1.500", "1500,50", "1500 lei"); return it as "1500,50"."""
    amount = re.sub(r"\s*(lei|ron)\s*$", "", value.strip(), flags=re.IGNORECASE)
    amount = re.sub(r"(?<=\d)[.\s](?=\d{3}(\D|$))", "", amount)  # thousands separators
    match = re.fullmatch(r"([0-9]{1,9})(?:[.,]([0-9]{1,2}))?", amount)
    if not match:
        raise InvalidValue("Scrieți suma în lei, doar cu cifre, de exemplu 1500 sau 1500,50.")
    whole, cents = match.groups()
    return f"{int(whole)},{cents.ljust(2, '0')}" if cents else str(int(whole))


VALIDATORS: Dict[str, Callable[[str], str]] = {
    "cnp": validate_cnp,
    "date": validate_date,
    "email": validate_email,
    "phone": validate_phone,
    "postal_code": validate_postal_code,
    "cadastral_number": validate_cadastral_number,
    "iban": validate_iban,
    "vin": validate_vin,
    "integer": validate_integer,
    "amount": validate_amount,
}
"""Validator name (as written in a catalog field's ``validator:``) → function."""


VALIDATOR_HINTS: Dict[str, str] = {
    "cnp": "13 cifre, ca pe actul de identitate.",
    "date": "Ziua, luna și anul: zz.ll.aaaa, de exemplu 05.03.2025.",
    "email": "De exemplu nume@exemplu.ro.",
    "phone": "10 cifre, de exemplu 0721 234 567.",
    "postal_code": "6 cifre, de exemplu 077125.",
    "cadastral_number": "De exemplu 51234 sau 51234-C1-U3; îl găsiți în extrasul de carte funciară.",
    "iban": "24 de caractere, începe cu RO; îl găsiți pe extrasul de cont.",
    "vin": "17 litere și cifre, fără I, O și Q; îl găsiți în talonul mașinii.",
    "integer": "Doar cifre.",
    "amount": "Suma în lei, de exemplu 1500 sau 1500,50.",
}
"""Validator name → a short Romanian hint of what it accepts (shown next to the field on
the form page, before the citizen types; the validators' own messages say what was wrong)."""
