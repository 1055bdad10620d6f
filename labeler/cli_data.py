"""``labeler export|import``: datasets in and out (registered when the formats are available)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Dataset commands arrive with the format modules; nothing to register yet."""
    del sub
