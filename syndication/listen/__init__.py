"""Listening: what is said about the company elsewhere (feeds and the networks' searches)."""
