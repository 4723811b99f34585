"""Backfeed: the conversation on the networks comes home into the state files.

``engine`` discovers and reads new activity; what it stores is sanitised (``sanitize``), moderated
(``moderation``, the reviewed file) and shown with avatars copied locally (``avatars``).
"""
