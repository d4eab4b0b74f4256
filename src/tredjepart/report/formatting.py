"""Times, spans and cookie lifetimes in words: the formatting half of ``i18n.Catalog``.

Times are shown in Danish time (Europe/Copenhagen), the time of the authorities the reports are for; where the
system has no time zone database, in UTC, and ``tz_name`` says so. The words themselves (units, "session
cookie") come from the catalogue through ``self(...)`` and ``self.plural(...)``.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

TIMEZONE = "Europe/Copenhagen"


def _zone() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(TIMEZONE)
    except Exception:  # noqa: BLE001 - no tz database: fall back to UTC, and say so
        return UTC


class Formatting:
    """Mixed into Catalog, which provides ``__call__`` (catalogue text) and ``plural``."""

    def __init__(self) -> None:
        self.zone = _zone()
        self.tz_name = TIMEZONE if self.zone is not UTC else "UTC"

    def __call__(self, key: str, **kw: object) -> str:  # pragma: no cover - provided by Catalog
        raise NotImplementedError

    def plural(self, n: int, key: str) -> str:  # pragma: no cover - provided by Catalog
        raise NotImplementedError

    def time(self, ts: float | None, seconds: bool = True) -> str:
        if ts is None:
            return "–"
        dt = datetime.fromtimestamp(ts, self.zone)
        return dt.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")

    def clock(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.zone).strftime("%H:%M:%S")

    def duration(self, seconds: float | None) -> str:
        """A span in words, at most two units: "2 timer 5 minutter", "40 seconds"."""
        if seconds is None:
            return "–"
        s = int(round(seconds))
        parts = []
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
            if s >= size or (unit == "second" and not parts):
                n, s = divmod(s, size)
                parts.append(f"{n} {self.plural(n, unit)}")
            if len(parts) == 2:
                break
        return " ".join(parts)

    def lifetime(self, seconds: int | None, direction: str = "set") -> str:
        """A cookie's lifetime: session cookie, deletion, or the nearest sensible unit."""
        if seconds is None:
            return self("session_cookie") if direction == "set" else "–"
        if seconds <= 0:
            return self("deleted")
        for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600),
                           ("minute", 60)):
            n = round(seconds / size)
            near = abs(seconds / size - n) < (0.05 if unit in ("year", "month") else 1e-9)
            if n and near:  # a whole number of this unit (years and months: near enough)
                return f"{n} {self.plural(n, unit)}"
        n = round(seconds / 86400) if seconds >= 86400 else seconds
        return f"{n} {self.plural(n, 'day' if seconds >= 86400 else 'second')}"
