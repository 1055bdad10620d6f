"""The project store: one SQLite file per project, SQLAlchemy 2 models, Alembic migrations.

Only ``labeler.services`` uses this package; it never commits on its own (the service owns the unit of
work).
"""
