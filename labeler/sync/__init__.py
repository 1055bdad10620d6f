"""Sync: the wire protocol shared with the server, the HTTP client and the sync engine."""
