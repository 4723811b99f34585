"""Insight: who engages with the company in public (``fans``) and what our presence achieves
(``report``), read from the state files only.

One concern per module: ``people`` (who is one person across networks), ``fans`` (the ranking),
``hours`` (durations counted in business hours), ``report`` (the figures of a period) and
``render`` (the static bilingual page, its charts and the job summary).
"""
