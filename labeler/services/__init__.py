"""Use cases. Each public call is one unit of work and returns what it changed (``Changes``)."""
