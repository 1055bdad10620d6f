"""labeler: keyboard-first image labeling with an offline-first local store and team sync."""

__version__ = "0.1.0"
