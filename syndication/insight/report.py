"""The impact report's figures for a period, read from the state files only.

What each figure counts (the page says the same to its readers):

- **activity**: copies published in the period, and readers' replies, quotes, mentions, reposts
  and likes published in the period, per network and per post (the company's and its
  employees' own items, and what the moderation file hides, are not counted). Counts a
  network gives without a list of people (``Copy.counted``) carry no date and are left out;
- **engagement over time**: the same reader items per day (per week over more than 62 days, per
  month over more than a year), in the business timezone;
- **answers**: of the comments (replies, quotes, mentions) published in the period, how many a
  company account has answered by now (the inbox's rule, ``syndication.desk.inbox``), and the time
  to the first answer counted in business hours (``syndication.insight.hours``): median and 90th
  percentile (nearest rank, as ``invoke inbox --stats``);
- **waiting**: the period's comments nobody has answered yet, by how long they have waited;
- **negative comments**: comments with a complaint word of the inbox's list, and how many were
  answered;
- **employees' answers**: answers published in the period, by who signed them;
- **top fans**: ``syndication.insight.fans`` over the period, one row per person (accounts joined
  by their verified public links or the people file; a person one of whose accounts opted out or
  is the company's left out whole);
- **listening**: mentions heard outside our threads by ``invoke listen`` (``syndication.listen``)
  published in the period, by what they are about (us, competitors, the industry); the share of
  voice is mentions of us over mentions of us and of competitors. The section says so while
  listening has recorded nothing.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from syndication.config import Authors, handle_of
from syndication.desk.inbox import (
    WAITING_KINDS,
    _answers_by_parent,  # the inbox's rule for "answered", shared rather than copied
    _percentile,
    complaint_words,
    fold,
)
from syndication.errors import ConfigError
from syndication.insight.fans import DEFAULT_HALF_LIFE, Exclusions, Fan, rank
from syndication.insight.hours import OpeningHours
from syndication.insight.people import normalise
from syndication.listen.sources import KINDS as LISTENING_KINDS
from syndication.listen.store import Mention
from syndication.model import CopyStatus, PostState
from syndication.networks.registry import names

COUNTED_KINDS = ("reply", "quote", "mention", "repost", "like")
DAILY_UP_TO = timedelta(days=62)  # longer periods are charted per week,
WEEKLY_UP_TO = timedelta(days=366)  # and longer than a year per month
TOP_POSTS = 20
TOP_FANS = 10
# Ages of the comments still waiting (upper bound, label key): the last has no bound.
AGE_BUCKETS: tuple[tuple[timedelta | None, str], ...] = (
    (timedelta(hours=24), "under_1d"),
    (timedelta(days=3), "1d_3d"),
    (timedelta(days=7), "3d_7d"),
    (None, "over_7d"),
)
BRAND = ""  # the key of answers nobody signed: the brand account's own


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC, and how it is named (``2026-11``, or the two dates)."""

    start: datetime
    end: datetime
    slug: str

    @classmethod
    def month(cls, text: str, hours: OpeningHours) -> Period:
        """``2026-11``: the calendar month in the business timezone."""
        try:
            year, month = (int(part) for part in text.strip().split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise ConfigError(f"--month {text!r} is not a month; write it like 2026-11.") from None
        following = date(year + month // 12, month % 12 + 1, 1)
        start = datetime.combine(first, time(0), tzinfo=hours.zone).astimezone(UTC)
        end = datetime.combine(following, time(0), tzinfo=hours.zone).astimezone(UTC)
        return cls(start, end, f"{year:04d}-{month:02d}")

    @classmethod
    def since(cls, start: datetime, now: datetime, hours: OpeningHours) -> Period:
        """From ``start`` until ``now``."""
        first, last = hours.local_date(start), hours.local_date(now)
        return cls(start, now, f"{first.isoformat()}_{last.isoformat()}")

    def __contains__(self, moment: object) -> bool:
        """Whether ``moment`` falls in the period (a copy without a time does not)."""
        return isinstance(moment, datetime) and self.start <= moment < self.end


@dataclass
class Activity:
    """Copies and reader items of one network or one post."""

    copies: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED_KINDS, 0))

    @property
    def total(self) -> int:
        """Every reader item counted."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class Answers:
    """How the company answered the period's comments, for one network or overall."""

    comments: int
    answered: int
    median: timedelta | None  # business hours
    p90: timedelta | None

    @property
    def rate(self) -> float | None:
        """Answered / comments, None without comments."""
        return self.answered / self.comments if self.comments else None


@dataclass(frozen=True)
class Heard:
    """What listening heard in the period (``syndication.listen``): mentions outside our threads."""

    about: dict[str, int]  # "us", "competitors", "industry" -> mentions
    competitors: dict[str, int]  # a competitor's term that matched -> mentions
    sources: dict[str, int]  # where mentions of us came from: "feed" or a network -> mentions

    @property
    def share_of_voice(self) -> float | None:
        """Mentions of us / mentions of us and of competitors; None when neither was heard."""
        heard = self.about.get("us", 0) + self.about.get("competitors", 0)
        return self.about.get("us", 0) / heard if heard else None


def heard(mentions: Iterable[Mention], period: Period) -> Heard:
    """Listening's mentions of the period, counted by what they are about and where from."""
    about = dict.fromkeys(LISTENING_KINDS, 0)
    competitors: dict[str, int] = {}
    sources: dict[str, int] = {}
    for mention in mentions:
        if mention.published_at not in period or mention.about not in about:
            continue
        about[mention.about] += 1
        if mention.about == "competitors":
            for term in mention.matched:
                competitors[term] = competitors.get(term, 0) + 1
        elif mention.about == "us":
            sources[mention.network] = sources.get(mention.network, 0) + 1
    return Heard(
        about=about,
        competitors=dict(sorted(competitors.items(), key=lambda kv: (-kv[1], kv[0]))),
        sources=dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


@dataclass
class Report:
    """Every figure of the page, for one period."""

    period: Period
    generated_at: datetime
    hours: OpeningHours
    networks: dict[str, Activity]
    posts: list[tuple[str, Activity]]  # the most engaging first, at most TOP_POSTS
    posts_active: int  # posts with activity in the period
    timeline_unit: str  # "day" or "week"
    timeline: list[tuple[date, dict[str, int]]]
    answers: dict[str, Answers]  # network -> figures, and "overall"
    waiting: dict[str, int]  # age bucket -> comments
    negative: int
    negative_answered: int
    employees: dict[str, dict[str, int]]  # author key (BRAND: unsigned) -> network -> answers
    fans: list[Fan]
    listening: Heard | None = None  # None while listening has recorded nothing

    @property
    def total(self) -> Activity:
        """Every network together."""
        whole = Activity()
        for activity in self.networks.values():
            whole.copies += activity.copies
            for kind, count in activity.counts.items():
                whole.counts[kind] += count
        return whole


@functools.lru_cache(maxsize=4)
def _any_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of ``words`` anywhere (no word boundaries: a quick first test)."""
    return re.compile("|".join(re.escape(word) for word in words if word) or r"(?!)")


def negative_words(text: str, words: tuple[str, ...]) -> bool:
    """Whether the inbox would flag ``text`` as a complaint (``complaint_words``).

    One search for any of the words first: the inbox's whole-word pattern, one per word, costs
    30 microseconds a comment, and most comments hold none of the words at all.
    """
    return bool(_any_word(words).search(fold(text))) and bool(complaint_words(text, words))


def _employee_of(handles: Mapping[str, str], network: str, handle: str) -> str:
    return handles.get(f"{network}:{normalise(handle)}", BRAND)


def build(
    states: list[PostState],
    period: Period,
    *,
    now: datetime,
    hours: OpeningHours,
    exclusions: Exclusions,
    words: Iterable[str],
    authors: Authors,
    mentions: Iterable[Mention] | None = None,
    half_life: timedelta = DEFAULT_HALF_LIFE,
) -> Report:
    """Work out every figure of ``period`` from ``states`` (see the module docstring)."""
    word_list = tuple(words)
    order = {name: index for index, name in enumerate(names())}
    networks: dict[str, Activity] = {}
    posts: dict[str, Activity] = {}
    per_day: dict[date, dict[str, int]] = {}
    first_answer = _answers_by_parent(states)
    delays: dict[str, list[timedelta]] = {}
    comments: dict[str, int] = {}
    waiting = dict.fromkeys((label for _, label in AGE_BUCKETS), 0)
    negative = negative_answered = 0
    employee_handles = {
        f"{network}:{normalise(handle)}": author
        for author, profile in authors.items()
        for network in names()
        if (handle := handle_of(profile, network))
    }
    employees: dict[str, dict[str, int]] = {}
    start, end = period.start, period.end
    days: dict[int, date] = {}  # quarter hour since the epoch -> local date
    seen_answers: set[tuple[str, str]] = set()

    def answered_by(author: str, network: str, native_id: str) -> None:
        if (network, native_id) in seen_answers:
            return  # sent with `invoke reply`, then backfed: one answer
        seen_answers.add((network, native_id))
        mine = employees.setdefault(author, {})
        mine[network] = mine.get(network, 0) + 1

    for state in states:
        post = Activity()
        for copy in state.copies.values():
            if copy.status is CopyStatus.PUBLISHED and copy.published_at in period:
                if copy.network not in networks:
                    networks[copy.network] = Activity()
                networks[copy.network].copies += 1
                post.copies += 1
        for parent, answer in state.answers.items():
            if answer.status is CopyStatus.PUBLISHED and answer.published_at in period:
                signer = answer.extra.get("signed_by", "") or _employee_of(
                    employee_handles, answer.network, answer.account
                )
                answered_by(signer, answer.network, answer.id or parent)
        for item in state.interactions.values():
            moment = item.published_at
            if not start <= moment < end:
                continue
            if exclusions.is_company(item):
                if item.in_reply_to and item.kind in WAITING_KINDS:
                    signer = item.signed_by or _employee_of(
                        employee_handles, item.network, item.author.handle
                    )
                    answered_by(signer, item.network, item.id)
                continue
            if exclusions.excludes(item):
                continue
            kind = item.kind  # a StrEnum: the member is its value, without Enum's lookup
            activity = networks.get(item.network)
            if activity is None:
                activity = networks[item.network] = Activity()
            activity.counts[kind] += 1
            post.counts[kind] += 1
            # The local date of each quarter hour, worked out once: zone conversions are the
            # costliest step of this loop, and every zone's offset is whole quarter hours.
            quarter = int(moment.timestamp()) // 900
            day = days.get(quarter)
            if day is None:
                day = days[quarter] = hours.local_date(moment)
            counts = per_day.get(day)
            if counts is None:
                counts = per_day[day] = dict.fromkeys(COUNTED_KINDS, 0)
            counts[kind] += 1
            if item.kind not in WAITING_KINDS:
                continue
            at = first_answer.get((item.network, item.id))
            delay = hours.between(moment, at) if at is not None else None
            for bucket in (item.network, "overall"):
                comments[bucket] = comments.get(bucket, 0) + 1
                if delay is not None:
                    delays.setdefault(bucket, []).append(delay)
            if at is None:
                age = now - moment
                label = next(lbl for bound, lbl in AGE_BUCKETS if bound is None or age < bound)
                waiting[label] += 1
            text = " ".join(filter(None, (item.summary, item.content_text)))
            if negative_words(text, word_list):
                negative += 1
                negative_answered += at is not None
        if post.copies or post.total:
            posts[state.key] = post
    answers = {
        bucket: Answers(
            comments=comments[bucket],
            answered=len(delays.get(bucket, [])),
            median=statistics.median_low(delays[bucket]) if delays.get(bucket) else None,
            p90=_percentile(delays.get(bucket, []), 0.9),
        )
        for bucket in sorted(comments, key=lambda b: (b == "overall", order.get(b, 99), b))
    }
    ranked = sorted(posts.items(), key=lambda kv: (-kv[1].total, -kv[1].copies, kv[0]))
    unit, timeline = _timeline(per_day, period, hours)
    return Report(
        period=period,
        generated_at=now,
        hours=hours,
        networks=dict(sorted(networks.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))),
        posts=ranked[:TOP_POSTS],
        posts_active=len(posts),
        timeline_unit=unit,
        timeline=timeline,
        answers=answers,
        waiting=waiting,
        negative=negative,
        negative_answered=negative_answered,
        employees=dict(sorted(employees.items(), key=lambda kv: (kv[0] == BRAND, kv[0]))),
        fans=rank(states, exclusions, since=start, until=end, half_life=half_life)[:TOP_FANS],
        listening=None if mentions is None else heard(mentions, period),
    )


def _bucket(day: date, unit: str) -> date:
    """The first day of ``day``'s bucket: itself, its week's Monday, or its month's first."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if unit == "month" else day


def _timeline(
    per_day: Mapping[date, Mapping[str, int]], period: Period, hours: OpeningHours
) -> tuple[str, list[tuple[date, dict[str, int]]]]:
    """Every day of the period (every week from Monday over 62 days, every month over a
    year, so a chart keeps a readable number of bars), empty ones included."""
    first = hours.local_date(period.start)
    last = hours.local_date(period.end - timedelta(microseconds=1))
    length = period.end - period.start
    unit = "day" if length <= DAILY_UP_TO else "week" if length <= WEEKLY_UP_TO else "month"
    buckets: dict[date, dict[str, int]] = {}
    day = _bucket(first, unit)
    while day <= last:
        buckets[day] = dict.fromkeys(COUNTED_KINDS, 0)
        if unit == "month":
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        else:
            day += timedelta(days=7 if unit == "week" else 1)
    for day, counts in per_day.items():
        start = _bucket(day, unit)
        if start in buckets:
            for kind, count in counts.items():
                buckets[start][kind] += count
    return unit, list(buckets.items())
