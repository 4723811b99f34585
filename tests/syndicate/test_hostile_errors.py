"""A server's error body never drives the terminal: its control characters are shown, it is cut.

The X double answers with an error body we write: terminal escapes (``ESC ] 52`` writes the
clipboard, ``ESC [ 2J`` clears the screen), C1 controls, DEL, bidi overrides and isolates,
invisible characters, carriage returns and line breaks, and 5,000 characters. ``invoke
syndicate``, ``invoke backfeed`` and ``invoke tokens`` run for real against it; each prints the
failure as one line, with no raw control character, and with the body cut to a readable length.
"""

from __future__ import annotations

import io
import re

import pytest
from syndicate_support import Site, peers_env, post_file

from sandbox.x import XServer
from syndication.cli import backfeed, syndicate, tokens

# What a terminal would obey: C0 but line feed, DEL, C1, bidi controls, other format characters.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
HOSTILE = (
    "Invalid\x1b]52;c;cm0gLXJmIH4=\x07 request\x1b[2J\x1b[H\r\n\u202eesrever\u202c "
    "\u2066isolated\u2069 \x9b31m\x7f\u200bzero\ufeffwidth "
) + "A" * 5000
BODY = {"title": "Invalid Request", "detail": HOSTILE, "type": "about:blank", "status": 400}

pytestmark = pytest.mark.x


def assert_one_clean_line(output: str, marker: str) -> str:
    """The output has no raw control character; the line holding ``marker`` carries the
    server's words made visible, on one line of readable length. That line."""
    assert not RAW.search(output), repr(output)
    lines = [line for line in output.splitlines() if marker in line]
    assert len(lines) == 1, output
    line = lines[0]
    assert "\\x1b]52" in line and "\\u202e" in line  # shown, not obeyed
    assert "AAAA" in line and len(line) < 600, len(line)  # cut, with an ellipsis
    assert "…" in line
    return line


def test_syndicate_prints_a_servers_error_body_as_one_visible_line(
    site: Site, x_server: XServer
) -> None:
    site.add_post("hiver.md", post_file("rouler-l-hiver"))
    site.build()
    x_server.fault("/2/tweets", 400, method="POST", times=1, body=BODY)
    out = io.StringIO()

    code = syndicate.run(site.settings_file, env=peers_env(None, None, x_server), stdout=out)

    assert code == 1
    assert_one_clean_line(out.getvalue(), "FAILED")


def test_backfeed_and_tokens_print_it_as_one_visible_line(site: Site, x_server: XServer) -> None:
    env = peers_env(None, None, x_server)
    # Each command asks who the account is once: one fault each, none left for other tests.
    x_server.fault("/2/users/me", 400, method="GET", times=1, body=BODY)
    out = io.StringIO()

    code = backfeed.run(site.settings_file, env=env, stdout=out, progress_stream=io.StringIO())

    assert code == 1
    assert_one_clean_line(out.getvalue(), "FAILED")

    x_server.fault("/2/users/me", 400, method="GET", times=1, body=BODY)
    out = io.StringIO()
    code = tokens.run(site.settings_file, env=env, stdout=out)

    assert code == 1
    assert_one_clean_line(out.getvalue(), "FAILED")
