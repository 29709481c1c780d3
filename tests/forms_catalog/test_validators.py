"""forms_catalog/validators.py: CNP, dates, e-mail, phone, postal code, cadastral number, …"""

import datetime as dt
import json

import pytest

from forms_catalog.loader import SCHEMA_PATH
from forms_catalog.validators import (
    VALIDATORS,
    InvalidValue,
    cnp_birth_date,
    validate_amount,
    validate_cadastral_number,
    validate_cnp,
    validate_date,
    validate_email,
    validate_iban,
    validate_integer,
    validate_phone,
    validate_postal_code,
    validate_vin,
)


@pytest.mark.parametrize(
    "cnp, born",
    [
        ("1800101221144", dt.date(1980, 1, 1)),  # man, 1900s, Iași
        ("2951223400016", dt.date(1995, 12, 23)),  # woman, 1900s, București
        ("5030622410059", dt.date(2003, 6, 22)),  # man, 2000s, Sector 1
        ("6121231523012", dt.date(2012, 12, 31)),  # woman, 2000s, Giurgiu
        ("7190508401230", dt.date(2019, 5, 8)),  # foreign resident (century not encoded)
        ("9000101400458", dt.date(2000, 1, 1)),  # foreigner
    ],
)
def test_valid_cnps_are_accepted_and_give_the_birth_date(cnp: str, born: dt.date) -> None:
    assert validate_cnp(f" {cnp[:6]} {cnp[6:]} ") == cnp
    assert cnp_birth_date(cnp) == born


@pytest.mark.parametrize(
    "cnp, fragment",
    [
        ("1800101221145", "Cifra de control"),  # last digit off by one
        ("1800101221141", "Cifra de control"),
        ("2980229467899", "Data nașterii"),  # 29 February 1998 does not exist
        ("1801301221140", "Data nașterii"),  # month 13
        ("5990101231149", "Data nașterii"),  # 2099: in the future
        ("1850201990035", "Codul de județ"),  # county 99
        ("1850201120003", "Numărul de ordine"),  # serial 000
        ("0800101221144", "Prima cifră"),
        ("180010122114", "13 cifre"),
        ("18001012211444", "13 cifre"),
        ("18001O1221144", "doar cifre"),  # letter O instead of zero
        ("", "doar cifre"),
    ],
)
def test_invalid_cnps_are_rejected_with_the_reason(cnp: str, fragment: str) -> None:
    with pytest.raises(InvalidValue, match=fragment):
        validate_cnp(cnp)


def test_cnp_in_the_future_relative_to_today_is_rejected() -> None:
    with pytest.raises(InvalidValue):
        validate_cnp("5030622410059", today=dt.date(2003, 6, 21))


@pytest.mark.parametrize(
    "raw, normalised",
    [
        ("05.03.2024", "05.03.2024"),
        ("5.3.2024", "05.03.2024"),
        ("29-02-2024", "29.02.2024"),
        ("31/12/1999", "31.12.1999"),
        (" 01.01.2000 ", "01.01.2000"),
    ],
)
def test_valid_dates(raw: str, normalised: str) -> None:
    assert validate_date(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    ["29.02.2023", "31.04.2024", "00.01.2024", "2024-03-05", "05.03.24", "mâine", "05.03.1850", ""],
)
def test_invalid_dates(raw: str) -> None:
    with pytest.raises(InvalidValue):
        validate_date(raw)


@pytest.mark.parametrize(
    "raw, normalised",
    [
        ("ion.popescu@exemplu.ro", "ion.popescu@exemplu.ro"),
        ("Ana+primarie@Mail.Example.COM", "Ana+primarie@mail.example.com"),
        (" maria_ionescu@yahoo.com ", "maria_ionescu@yahoo.com"),
    ],
)
def test_valid_emails(raw: str, normalised: str) -> None:
    assert validate_email(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "ion.popescu",
        "ion@",
        "@exemplu.ro",
        "ion@@exemplu.ro",
        "ion popescu@exemplu.ro",
        "ion@exemplu",
        "ion..popescu@exemplu.ro",
        "ion@-exemplu.ro",
        "ion@exemplu.r0",
    ],
)
def test_invalid_emails(raw: str) -> None:
    with pytest.raises(InvalidValue):
        validate_email(raw)


@pytest.mark.parametrize(
    "raw, normalised",
    [
        ("0721234567", "0721234567"),
        ("0721 234 567", "0721234567"),
        ("+40 721 234 567", "0721234567"),
        ("0040721234567", "0721234567"),
        ("021 457 40 91", "0214574091"),
        ("(0344) 123-456", "0344123456"),
    ],
)
def test_valid_phones(raw: str, normalised: str) -> None:
    assert validate_phone(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    ["12345", "07212345678", "072123456", "0821234567", "+44 20 7946 0958", "telefon"],
)
def test_invalid_phones(raw: str) -> None:
    with pytest.raises(InvalidValue):
        validate_phone(raw)


def test_postal_code() -> None:
    assert validate_postal_code("077 125") == "077125"
    for bad in ("77125", "0771250", "07712a", ""):
        with pytest.raises(InvalidValue, match="6 cifre"):
            validate_postal_code(bad)


@pytest.mark.parametrize(
    "raw, normalised",
    [("51234", "51234"), ("1234/1/2", "1234/1/2"), ("51234-c1", "51234-C1"), ("51234-C1-U3", "51234-C1-U3")],
)
def test_valid_cadastral_numbers(raw: str, normalised: str) -> None:
    assert validate_cadastral_number(raw) == normalised


@pytest.mark.parametrize("raw", ["abc", "12-34", "", "51234-U3", "/12", "12345678"])
def test_invalid_cadastral_numbers(raw: str) -> None:
    with pytest.raises(InvalidValue, match="cadastral"):
        validate_cadastral_number(raw)


def test_iban_checks_the_mod_97_digits() -> None:
    assert validate_iban("ro49 aaaa 1b31 0075 9384 0000") == "RO49AAAA1B31007593840000"
    with pytest.raises(InvalidValue, match="cifră greșită"):
        validate_iban("RO48AAAA1B31007593840000")
    with pytest.raises(InvalidValue, match="24"):
        validate_iban("RO49AAAA1B3100759384000")


def test_vin_integer_and_amount() -> None:
    assert validate_vin("wvwzzz1jzxw000001") == "WVWZZZ1JZXW000001"
    with pytest.raises(InvalidValue):
        validate_vin("WVWZZZ1JZXW00000O")  # letter O is never used in a VIN
    assert validate_integer(" 007 ") == "7"
    with pytest.raises(InvalidValue):
        validate_integer("3,5")
    assert validate_amount("1.500,5 lei") == "1500,50"
    assert validate_amount("2053") == "2053"
    with pytest.raises(InvalidValue):
        validate_amount("o mie")


def test_schema_lists_exactly_the_registered_validators() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert set(schema["$defs"]["field"]["properties"]["validator"]["enum"]) == set(VALIDATORS)
