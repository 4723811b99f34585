"""The listening tests' fixtures: nginx on loopback and a fixture site (``listen_support``)."""

from listen_support import nginx, site

__all__ = ["nginx", "site"]
