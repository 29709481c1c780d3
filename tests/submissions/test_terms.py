"""The legal term of a filing: calendar days in Europe/Bucharest, the last day moved past
weekends and Romanian public holidays."""

import datetime as dt

from submissions.terms import due_date, load_terms, next_working_day

UTC = dt.timezone.utc


def test_a_petition_has_thirty_days_under_og_27_2002():
    term = load_terms().of("petitie")
    assert term.days == 30 and "OG 27/2002" in term.basis
    assert load_terms().of("informatii_publice").days == 10
    assert load_terms().of("ajutor_incalzire").days == 30  # the default


def test_a_term_ending_on_the_national_day_ends_the_next_working_day():
    # 1 November 2026 + 30 days = Tuesday 1 December, Ziua Națională.
    assert due_date(dt.datetime(2026, 11, 1, 10, 0, tzinfo=UTC), 30) == dt.date(2026, 12, 2)


def test_a_term_ending_on_a_saturday_ends_on_monday():
    # 5 March 2026 + 30 days = Saturday 4 April.
    assert due_date(dt.datetime(2026, 3, 5, 9, 0, tzinfo=UTC), 30) == dt.date(2026, 4, 6)


def test_the_day_counts_in_bucharest_not_in_utc():
    # 22:30 UTC on 1 March is 00:30 on 2 March in Măgurele.
    assert due_date(dt.datetime(2026, 3, 1, 22, 30, tzinfo=UTC), 30) == dt.date(2026, 4, 1)


def test_the_next_working_day_skips_easter_monday():
    # Orthodox Easter 2026 is 12 April; Monday 13 April is a public holiday.
    assert next_working_day(dt.datetime(2026, 4, 10, 15, 0, tzinfo=UTC)) == dt.date(2026, 4, 14)
