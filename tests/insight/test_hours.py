"""Durations in business hours: Montréal, Monday to Friday 9:00 to 17:00 unless set otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from insight_scene import local

from syndication.errors import ConfigError
from syndication.insight.hours import OpeningHours

DEFAULT = OpeningHours.from_settings({})


def test_a_comment_on_friday_afternoon_answered_on_monday_waited_two_business_hours() -> None:
    # Fri 6 Nov 16:00 -> 17:00 (1 h), Saturday and Sunday closed, Mon 9 Nov 9:00 -> 10:00 (1 h).
    assert DEFAULT.between(local(6, 16), local(9, 10)) == timedelta(hours=2)


def test_a_night_comment_counts_from_the_next_opening() -> None:
    # Tue 10 Nov 20:00 -> Wed 11 Nov 9:30: only 9:00 -> 9:30 is open.
    assert DEFAULT.between(local(10, 20), local(11, 9, 30)) == timedelta(minutes=30)
    # Saturday to Sunday: nothing is open at all.
    assert DEFAULT.between(local(7, 10), local(8, 18)) == timedelta(0)
    assert DEFAULT.between(local(9, 10), local(9, 9)) == timedelta(0)  # answer before: zero


def test_daylight_saving_time_moves_the_opening_in_utc() -> None:
    # Friday 30 October is still EDT (UTC-4): 9:00 local is 13:00 UTC, not 14:00.
    friday = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    assert DEFAULT.between(friday, datetime(2026, 10, 30, 14, 0, tzinfo=UTC)) == timedelta(hours=1)
    # Across the change (Sunday 1 November): Fri 16:00 EDT -> Mon 10:00 EST is 2 h open.
    assert DEFAULT.between(datetime(2026, 10, 30, 20, 0, tzinfo=UTC), local(2, 10)) == timedelta(
        hours=2
    )


def test_opening_hours_holidays_and_timezone_come_from_the_settings() -> None:
    hours = OpeningHours.from_settings(
        {
            "AGORA_BUSINESS_TIMEZONE": "Europe/Paris",
            "AGORA_OPENING_HOURS": {"sat": "10:00-12:00, 14:00-16:00", "sun": "00:00-24:00"},
            "AGORA_HOLIDAYS": ["2026-11-14"],
        }
    )
    saturday = datetime(2026, 11, 6, 23, 0, tzinfo=UTC)  # midnight in Paris (UTC+1)
    assert hours.between(saturday, saturday + timedelta(days=1)) == timedelta(hours=4)
    # An hour later in UTC: Saturday 1:00 to Sunday 1:00 takes Sunday's first hour.
    later = saturday + timedelta(hours=1)
    assert hours.between(later, later + timedelta(days=1)) == timedelta(hours=5)
    sunday = datetime(2026, 11, 7, 23, 0, tzinfo=UTC)  # midnight in Paris
    assert hours.between(sunday, sunday + timedelta(days=1)) == timedelta(hours=24)
    holiday = datetime(2026, 11, 13, 23, 0, tzinfo=UTC)
    assert hours.between(holiday, holiday + timedelta(days=1)) == timedelta(0)
    assert "Europe/Paris" in hours.describe() and "sat 10:00-12:00, 14:00-16:00" in hours.describe()


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"AGORA_BUSINESS_TIMEZONE": "Mars/Olympus"}, "AGORA_BUSINESS_TIMEZONE"),
        ({"AGORA_OPENING_HOURS": {"monday": "09:00-17:00"}}, "AGORA_OPENING_HOURS"),
        ({"AGORA_OPENING_HOURS": {"mon": "9h-17h"}}, "AGORA_OPENING_HOURS['mon']"),
        ({"AGORA_OPENING_HOURS": {"mon": "17:00-09:00"}}, "close after it opens"),
        ({"AGORA_HOLIDAYS": ["Noël"]}, "AGORA_HOLIDAYS"),
    ],
)
def test_a_wrong_setting_is_one_sentence_naming_it(settings: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        OpeningHours.from_settings(settings)
