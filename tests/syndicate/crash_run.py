"""Run the engine once and kill the process hard (``os._exit``) at one checkpoint.

    python crash_run.py SETTINGS_FILE STEP

The networks come from the environment, as for ``invoke syndicate``. No ``finally`` block, no
lock release and no buffered write survives ``os._exit``: this is as close to a power cut as a test
gets. Exits 75 at the checkpoint, or with the run's own exit code if the step never came.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx

from syndication.cli.common import state_root
from syndication.networks.registry import configured_networks
from syndication.posts import load_settings, read_posts
from syndication.publish.syndicate import syndicate

CRASHED = 75


def main(settings_file: str, step: str) -> int:
    settings = load_settings(settings_file)
    posts = read_posts(settings)

    def checkpoint(reached: str) -> None:
        if reached == step:
            os._exit(CRASHED)

    async def run() -> int:
        async with httpx.AsyncClient(timeout=30) as client:
            from syndication.store.state import StateStore

            report = await syndicate(
                posts,
                configured_networks(os.environ),
                store=StateStore(state_root(settings, Path(settings_file))),
                authors=settings["AGORA_AUTHORS"],
                env=os.environ,
                client=client,
                checkpoint=checkpoint,
            )
            return report.exit_code

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
