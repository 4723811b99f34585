"""The engagement desk: what waits for an answer (``inbox``) and answering it once (``reply``)."""
