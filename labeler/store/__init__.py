"""The project store: one SQLite file per project, SQLAlchemy 2 models, Alembic migrations, and the
query layer every write goes through.

One module per row family writes its rows, with the rules that go with them, in one place:
:mod:`~labeler.store.annotations` (rows and their append-only history), :mod:`~labeler.store.images`
(counts, status changes and their sync mark), :mod:`~labeler.store.review` (review actions),
:mod:`~labeler.store.schema` (classes, attribute definitions, the schema version);
:mod:`~labeler.store.work` is the unit of work (and the data revision), :mod:`~labeler.store.bulk`
the many-rows statements. Services and the sync engine call them inside a unit of work they own;
nothing here commits on its own.
"""
