"""The offline-first sync engine on the workstation: the outbox, applying the change feed,
conflicts and schema clashes, image transfer, linking. It keeps the local project store and the
server in step through :mod:`labeler.sync.wire`."""
