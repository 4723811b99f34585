"""Durations counted in business hours: how long a reader waited while someone could answer.

Settings (``pelicanconf.py``):

- ``AGORA_BUSINESS_TIMEZONE``: an IANA zone name, ``America/Montreal`` by default;
- ``AGORA_OPENING_HOURS``: weekday (``mon`` .. ``sun``) -> ranges ``"09:00-17:00"``, several
  separated by commas (``"09:00-12:00, 13:00-17:00"``); a day not listed is closed. Monday to
  Friday, 9:00 to 17:00 by default;
- ``AGORA_HOLIDAYS``: ISO dates (``2026-12-25``) when nobody answers.

Built on the standard library's ``zoneinfo`` (https://docs.python.org/3/library/zoneinfo.html)
with the system's tz database, so daylight saving time is right without code of ours. No
business-hours library is used: ``businesstime`` has had no release since 2015, and
``workalendar`` (holidays) is in maintenance mode with its authors pointing elsewhere; the
arithmetic is a loop over local days (each day's opening ranges intersected with the span), and
holidays are a list in the settings that the team reviews once a year.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syndication.errors import ConfigError

DEFAULT_TIMEZONE = "America/Montreal"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
DEFAULT_OPENING = {day: "09:00-17:00" for day in WEEKDAYS[:5]}
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Range = tuple[time, time | None]  # None: until midnight (``24:00``)


def _parse_ranges(day: str, text: str) -> tuple[Range, ...]:
    """``"09:00-12:00, 13:00-17:00"`` -> the ranges of one weekday; ConfigError when malformed."""
    found: list[Range] = []
    for part in filter(str.strip, str(text).split(",")):
        match = _RANGE.match(part)
        hours = [int(match[i]) for i in range(1, 5)] if match else []
        if not hours or hours[0] > 23 or hours[1] > 59 or hours[3] > 59 or hours[2] > 24:
            raise ConfigError(
                f"AGORA_OPENING_HOURS[{day!r}] = {text!r}: write ranges like 09:00-17:00, "
                "separated by commas."
            )
        opening = time(hours[0], hours[1])
        closing = None if (hours[2], hours[3]) == (24, 0) else time(hours[2] % 24, hours[3])
        if closing is not None and closing <= opening:
            raise ConfigError(
                f"AGORA_OPENING_HOURS[{day!r}] = {text!r}: a range must close after it opens."
            )
        found.append((opening, closing))
    return tuple(sorted(found, key=lambda r: r[0]))


@dataclass(frozen=True)
class OpeningHours:
    """When the company answers: a timezone, ranges per weekday (Monday first), holidays."""

    zone: ZoneInfo
    week: tuple[tuple[Range, ...], ...]
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> OpeningHours:
        """Read the three settings; ConfigError naming the one that is wrong."""
        name = str(settings.get("AGORA_BUSINESS_TIMEZONE") or DEFAULT_TIMEZONE)
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"AGORA_BUSINESS_TIMEZONE = {name!r} is not a timezone; use a name like "
                "America/Montreal."
            ) from None
        opening = settings.get("AGORA_OPENING_HOURS")
        table = DEFAULT_OPENING if opening is None else opening
        if not isinstance(table, Mapping) or set(map(str, table)) - set(WEEKDAYS):
            raise ConfigError(
                "AGORA_OPENING_HOURS must map weekdays (mon, tue, wed, thu, fri, sat, sun) to "
                'ranges like "09:00-17:00".'
            )
        week = tuple(_parse_ranges(day, table.get(day, "")) for day in WEEKDAYS)
        holidays = set()
        for value in settings.get("AGORA_HOLIDAYS") or ():
            try:
                holidays.add(date.fromisoformat(str(value)))
            except ValueError:
                raise ConfigError(
                    f"AGORA_HOLIDAYS: {value!r} is not an ISO date like 2026-12-25."
                ) from None
        return cls(zone=zone, week=week, holidays=frozenset(holidays))

    def describe(self) -> str:
        """``America/Montreal, mon 09:00-17:00, ...``: what the report says it counted."""
        days = [
            f"{day} "
            + ", ".join(f"{o:%H:%M}-{c:%H:%M}" if c else f"{o:%H:%M}-24:00" for o, c in ranges)
            for day, ranges in zip(WEEKDAYS, self.week, strict=True)
            if ranges
        ]
        return f"{self.zone.key}; " + "; ".join(days or ["closed every day"])

    def _bounds(self, day: date, opening: time, closing: time | None) -> tuple[datetime, datetime]:
        """One range of ``day`` in UTC: local wall times through the zone (DST included)."""
        start = datetime.combine(day, opening, tzinfo=self.zone)
        end = (
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
            if closing is None
            else datetime.combine(day, closing, tzinfo=self.zone)
        )
        # In UTC before any arithmetic: two datetimes sharing a ZoneInfo subtract as wall times.
        return start.astimezone(UTC), end.astimezone(UTC)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Open time from ``start`` to ``end`` (timezone-aware); zero when ``end`` is earlier."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            if day not in self.holidays:
                for opening, closing in self.week[day.weekday()]:
                    low, high = self._bounds(day, opening, closing)
                    low, high = max(low, start), min(high, end)
                    if high > low:
                        total += high - low
            day += timedelta(days=1)
        return total

    def local_date(self, moment: datetime) -> date:
        """The date in the business timezone (days of the engagement chart)."""
        return moment.astimezone(self.zone).date()
