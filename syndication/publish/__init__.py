"""Publishing: a live post goes out to each network exactly once.

``live`` checks that a post's page answers with its card (principle 2), ``compose`` writes what
each network receives, ``syndicate`` is the engine that records the intent and publishes.
"""
