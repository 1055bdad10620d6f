"""``labeler apim ...``: the files that publish labeler's API behind Azure API Management.

``policy`` prints the APIM policy equivalent to the built-in gateway's settings; ``connector``
writes a Power Platform custom connector for the API.
"""

from __future__ import annotations

import argparse
import json
import logging
import pathlib
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from labeler import errors
from labeler.server.apim import connector, policy
from labeler.server.gateway import config

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--gateway-config",
        type=pathlib.Path,
        metavar="FILE",
        help="the built-in gateway's TOML or JSON settings (default: the defaults)",
    )
    parser = argparse.ArgumentParser(
        prog="labeler apim", description="Azure API Management deployment files for labeler."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "policy", parents=[common], help="print the APIM policy XML matching the gateway settings"
    )
    conn = sub.add_parser(
        "connector", parents=[common], help="write a Power Platform custom connector"
    )
    conn.add_argument("--out", type=pathlib.Path, required=True, metavar="DIR")
    conn.add_argument(
        "--host",
        default="labeler.azure-api.net",
        help="the public host of the API (your APIM gateway; default: %(default)s)",
    )
    conn.add_argument(
        "--openapi",
        type=pathlib.Path,
        metavar="FILE",
        help="the service's OpenAPI JSON (default: built from the installed service)",
    )
    conn.add_argument(
        "--feed-suffix", default="/changes", help="path suffix of the change feed operation"
    )
    conn.add_argument("--cursor-param", default="cursor", help="the change feed's cursor")
    return parser


def _service_openapi() -> dict[str, Any]:
    """The sync service's own OpenAPI document, from an app built on a scratch database."""
    from labeler.server import app as server_app
    from labeler.server import config as server_config

    with tempfile.TemporaryDirectory(prefix="labeler-apim-") as scratch:
        settings = server_config.ServerSettings(
            db_url=f"sqlite:///{pathlib.Path(scratch) / 'describe.db'}",
            blobs_dir=pathlib.Path(scratch) / "blobs",
            gateway="off",  # the connector adds the gateway's part itself
        )
        document: dict[str, Any] = server_app.create_app(settings).openapi()
    return document


def main(argv: Sequence[str]) -> int:
    """Run ``labeler apim`` with ``argv`` (the words after ``apim``); returns the exit code."""
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        cfg = config.GatewayConfig.load(args.gateway_config)
        if args.command == "policy":
            sys.stdout.write(policy.render(cfg))
            return 0
        document = (
            json.loads(args.openapi.read_text(encoding="utf-8"))
            if args.openapi
            else _service_openapi()
        )
        feed = connector.Feed(path_suffix=args.feed_suffix, cursor_param=args.cursor_param)
        for path in connector.write(args.out, document, cfg, args.host, feed):
            print(f"wrote {path} ({path.stat().st_size} bytes)")
        return 0
    except Exception as exc:
        # A malformed OpenAPI file (JSON) is the user's to fix like a bad configuration.
        return errors.report(exc, prog="labeler apim", log=log, fixable=(json.JSONDecodeError,))
