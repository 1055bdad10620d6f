"""One router per resource of the sync API, all under ``/v1/``."""
