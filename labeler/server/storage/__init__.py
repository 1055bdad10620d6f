"""The sync service's own database: tables, engine setup, migrations and queries."""
