"""The cookie-date algorithm of RFC 6265 section 5.1.1: how browsers read a Set-Cookie ``Expires``."""

from __future__ import annotations

import calendar
import datetime
import re

_DELIMITER = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
_TIME = re.compile(r"^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[^\d].*)?$")
_DAY = re.compile(r"^(\d{1,2})(?:[^\d].*)?$")
_YEAR = re.compile(r"^(\d{2,4})(?:[^\d].*)?$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_cookie_date(text: str) -> float | None:
    """Seconds since the epoch (UTC) for a cookie date, or None where RFC 6265 says the date is invalid."""
    time = day = month = year = None
    for token in _DELIMITER.split(text):
        if not token:
            continue
        if time is None and (m := _TIME.match(token)):
            time = tuple(int(g) for g in m.groups())
            continue
        if day is None and (m := _DAY.match(token)):
            day = int(m.group(1))
            continue
        if month is None and token[:3].lower() in _MONTHS:
            month = _MONTHS.index(token[:3].lower()) + 1
            continue
        if year is None and (m := _YEAR.match(token)):
            year = int(m.group(1))
            continue
    if year is not None:
        if 70 <= year <= 99:
            year += 1900
        elif 0 <= year <= 69:
            year += 2000
    if None in (time, day, month, year):
        return None
    hour, minute, second = time  # type: ignore[misc]
    if not (1 <= day <= 31) or year < 1601 or hour > 23 or minute > 59 or second > 59:  # type: ignore[operator]
        return None
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second)  # type: ignore[arg-type]
    except (ValueError, OverflowError):
        return None  # e.g. 31 February
    return float(calendar.timegm(moment.timetuple()))
