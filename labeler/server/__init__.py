"""The reference sync service (FastAPI) and its built-in API gateway."""
