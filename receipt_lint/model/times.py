"""Dates and times as the schedule and ``--now`` write them (design doc section 5).

One strict reading, the same on every Python version: ``YYYY-MM-DD`` or
``YYYY-MM-DDTHH:MM[:SS[.fff|.ffffff]]`` with ``Z`` or ``±HH:MM`` (no zone means
UTC).  Python 3.11's ``fromisoformat`` would also take compact forms
(``20260422``, ``2026-W17-3``) that 3.10 refuses; we refuse them everywhere.
"""

from __future__ import annotations

import datetime as dt
import re

from receipt_lint.model.findings import quoted

_DATE = re.compile(r"([0-9]{4})-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"([0-9]{4})-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}"  # date, hours, minutes
    r"(:[0-9]{2}(\.[0-9]{3}|\.[0-9]{6})?)?"  # seconds (and fractions 3.10 can read)
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
LAST_YEAR = 9998  # the end of a day in 9999-12-31 is past what datetime can hold
FORMS = "a date (2026-02-05) or a date and time (2026-02-05T02:00:00Z)"


def utc_text(when: dt.datetime) -> str:
    """``2026-02-01T10:00:00Z``; isoformat is C, strftime's locale path was a third of history's JSON."""
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_time(text: str, *, bare_date: str) -> dt.datetime:
    """An aware UTC-comparable datetime; ValueError (with a message for people) otherwise.

    ``bare_date`` says what a bare date means: ``"end"`` of that day for a
    deadline (the deadline is past from the next midnight UTC), ``"start"``
    for ``--now`` (on the day of a freeze, the freeze has not passed).
    """
    text = text.strip()
    date = _DATE.fullmatch(text)
    match = date or _DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{quoted(text)} is not {FORMS}")
    if int(match[1]) > LAST_YEAR:
        raise ValueError(f"{text} is past the year {LAST_YEAR}")
    try:
        if date is None:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            # In UTC at once: 0001-01-01T00:00+01:00 is before the first moment a datetime holds.
            return (
                parsed.astimezone(dt.timezone.utc)
                if parsed.tzinfo
                else parsed.replace(tzinfo=dt.timezone.utc)
            )
        day = dt.date.fromisoformat(text)
    except ValueError:  # 2026-02-30, 25:00, +25:00: the shape is right, a number is not
        raise ValueError(f"{text} is not a real date or time (check the day, hour and offset)") from None
    except OverflowError:
        raise ValueError(f"{text} is before the year 1 in UTC") from None
    if bare_date == "end":
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc)
