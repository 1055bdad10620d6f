"""The sync API on the wire: the protocol (shared with the server), the HTTP client, its retry
rules and Entra ID sign-in. Nothing here knows the local project store."""
