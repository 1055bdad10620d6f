"""``python -m labeler.cli``: the same as the ``labeler`` command."""

from labeler import cli

raise SystemExit(cli.main())
