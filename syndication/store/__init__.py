"""The repository as the database: state files (``state``), exactly-once intents (``once``) and
the commit of the state back to git (``gitstate``)."""
