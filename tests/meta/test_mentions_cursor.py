"""The cursor of Facebook's ``tagged`` and Instagram's ``tags`` edges (``meta_graph``).

Graph's times go to the second and those edges take no ``since``: the cursor is the newest time
read and the ids read in that second, so a post made later in that very second is still new and
none is heard twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syndication.networks.meta_graph import after_cursor, read_time_cursor, time_cursor

AT = datetime(2026, 12, 7, 21, 0, 5, tzinfo=UTC)


def test_a_post_in_the_cursors_second_is_new_once() -> None:
    cursor = time_cursor(AT, ["a"])
    assert cursor == "2026-12-07T21:00:05Z|a"
    new, cursor = after_cursor(cursor, [("b", AT), ("a", AT)])
    assert new == {"b"}
    assert read_time_cursor(cursor) == (AT, frozenset({"a", "b"}))
    new, again = after_cursor(cursor, [("b", AT), ("a", AT)])
    assert (new, again) == (set(), cursor)


def test_older_posts_are_not_new_and_the_cursor_moves_to_the_newest() -> None:
    later = AT + timedelta(seconds=3)
    new, cursor = after_cursor(time_cursor(AT, ["a"]), [("c", later), ("x", AT - timedelta(1))])
    assert new == {"c"}
    assert cursor == "2026-12-07T21:00:08Z|c"


def test_a_bare_time_stored_by_an_earlier_run_is_read_with_no_ids() -> None:
    assert read_time_cursor("2026-12-07T21:00:05Z") == (AT, frozenset())
    new, cursor = after_cursor("2026-12-07T21:00:05Z", [("a", AT)])
    assert new == {"a"} and cursor == "2026-12-07T21:00:05Z|a"


def test_nothing_read_keeps_the_cursor() -> None:
    assert after_cursor("2026-12-07T21:00:05Z|a", []) == (set(), "2026-12-07T21:00:05Z|a")
