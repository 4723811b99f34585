"""The command-line layer: each command reads settings, runs an engine, prints its report.

``common`` holds what every command shares (settings paths, the HTTP client, logging); the
engines know nothing of this layer. The invoke tasks (``tasks.py``) call the ``run`` functions.
"""
