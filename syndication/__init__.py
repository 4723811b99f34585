"""Agora's package, arranged by what happens to a post (DESIGN.md, "The flow of a post").

- ``publish``: is the page live, what each network receives, the engine that posts it once;
- ``backfeed``: the conversation on the networks comes home (sanitised, moderated, avatars);
- ``desk``: the inbox of what waits for an answer, and answering it once;
- ``site``: build with Pelican, check the links, deploy;
- ``store``: the state files, the exactly-once intents, the commit back to git;
- ``networks``: one folder per network, declared once, listed by ``networks.registry``;
- ``cli``: the commands (``tasks.py`` calls them); ``pipeline``: what CI runs, step by step.

Shared by all: ``model`` (posts, copies, interactions), ``config`` (settings from the
environment, the kill switch), ``posts`` (reading posts with Pelican), ``errors``, ``secrets``.
The local peers and the demo are development tooling beside the package, in ``sandbox/``.
"""
