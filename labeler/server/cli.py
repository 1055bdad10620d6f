"""``labeler serve|maintain|keys|apim``: the sync service's part of the ``labeler`` command.

The top-level command forwards these subcommands here with ``argv`` starting at the
subcommand's name.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from labeler import errors
from labeler.server import config as config_mod
from labeler.server import listen, maintenance
from labeler.server import settings as settings_mod

_DELEGATES = {"keys": "labeler.server.gateway.cli", "apim": "labeler.server.apim.cli"}

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labeler", description="The labeler sync service.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="run the sync service",
        description="Run the sync service (FastAPI on uvicorn) until interrupted.",
    )
    serve.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database URL: sqlite:///FILE or postgresql+psycopg://... "
        "(default: LABELER_SERVER_DB or server.db in the data directory)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    serve.add_argument(
        "--gateway",
        choices=("builtin", "off"),
        default="builtin",
        help="builtin: labeler's own API gateway checks keys; off: behind Azure API Management",
    )
    serve.add_argument("--gateway-config", metavar="FILE", type=Path, default=None)
    serve.add_argument(
        "--blobs", metavar="DIR", type=Path, default=None, help="where image bytes are kept"
    )
    serve.add_argument(
        "--maintenance-hours", type=float, default=6.0, metavar="H",
        help="expire idempotency keys and compact the change feed every H hours (0: never; "
        "default %(default)s)",
    )  # fmt: skip
    _retention_args(serve)
    serve.add_argument(
        "--model", action="append", default=[], metavar="NAME=FILE",
        help="serve an ONNX model at /v1/models/NAME/predict (AutoML scoring contract); NAME "
        "alone serves a model registered with `labeler models add` (repeatable)",
    )  # fmt: skip
    serve.add_argument(
        "--model-rate-limit", default="60/60", metavar="CALLS/SECONDS",
        help="calls to a model per key and period, besides the gateway's limits (default "
        "%(default)s; 0: none of its own)",
    )  # fmt: skip
    serve.add_argument("--model-threads", type=int, default=None, metavar="N",
                       help="onnxruntime threads per model (default: every core)")  # fmt: skip
    maintain = sub.add_parser(
        "maintain",
        help="expire idempotency keys and compact the change feed once (for cron)",
        description="Run the sync service's maintenance once and say what it removed.",
    )
    maintain.add_argument("--db", metavar="URL", default=None, help="database URL (as for serve)")
    _retention_args(maintain)
    sub.add_parser("keys", help="manage subscription keys of the built-in gateway", add_help=False)
    sub.add_parser("apim", help="Azure API Management artefacts", add_help=False)
    return parser


def _retention_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep-feed-days", type=float, default=30.0, metavar="D",
        help="keep superseded versions in the change feed this long; a workstation offline "
        "for longer resyncs in full (default %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--keep-idempotency-hours", type=float, default=24.0, metavar="H",
        help="how long a pushed batch's answer is kept for retries (default %(default)s)",
    )  # fmt: skip


def _policy(args: argparse.Namespace) -> maintenance.Policy:
    return maintenance.Policy(
        keep_feed_days=args.keep_feed_days, keep_keys_hours=args.keep_idempotency_hours
    )


def maintain(args: argparse.Namespace) -> int:
    from labeler.server.storage import db

    url = args.db or settings_mod.default_db_url()
    try:
        engine = db.create_engine(url)
    except Exception as exc:
        print(f"labeler maintain: cannot open {_safe_url(url)}: {exc}", file=sys.stderr)
        return 1
    try:
        report = maintenance.run_once(engine, _policy(args))
    except sa.exc.SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0]
        print(f"labeler maintain: {_safe_url(url)}: {reason}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(report.text())
    return 0


def _safe_url(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(invalid URL)"


def _tune_gc() -> None:
    """Keep the garbage collector off the objects that live as long as the process.

    A push of 500 records allocates enough to trigger several collections, and a full one
    walks every object of FastAPI, pydantic and SQLAlchemy (measured in one process: about a
    third of push time went to collections, under a tenth with this).
    Freezing what exists after start-up takes those out of every collection, and a higher
    first threshold makes collections of short-lived request objects rarer.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from labeler.server import app as app_mod

    settings = config_mod.ServerSettings(
        db_url=args.db or settings_mod.default_db_url(),
        blobs_dir=args.blobs,
        host=args.host,
        port=args.port,
        gateway=args.gateway,
        gateway_config_path=args.gateway_config,
    )
    try:
        # Connections queue from now on, before the app is even built.
        sock = listen.listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"labeler serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        app = app_mod.create_app(settings)
        if args.model:
            from labeler.server.routes import models as models_route

            rate = models_route.RateLimit.parse(args.model_rate_limit)
            models_route.install(app, models_route.load(args.model, args.model_threads), rate)
    except Exception as exc:
        sock.close()
        # A settings file, a model or a database the user can fix is one line; a bug is a bug.
        return errors.report(exc, prog="labeler serve", log=log, doing="cannot start",
                             fixable=(sa.exc.SQLAlchemyError,))  # fmt: skip
    _tune_gc()
    port = sock.getsockname()[1]
    print(
        f"labeler sync service listening on http://{args.host}:{port}"
        f" (database: {_safe_url(settings.db_url)}, gateway: {settings.gateway})"
        + (f"; models: {', '.join(m.partition('=')[0] for m in args.model)}" if args.model else ""),
        flush=True,
    )
    maintainer = None
    if args.maintenance_hours > 0:
        from labeler.server.storage import db

        maintainer = maintenance.Maintainer(
            db.create_engine(settings.db_url), _policy(args), args.maintenance_hours * 3600
        )
        maintainer.start()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        if maintainer is not None:
            maintainer.stop()
    return 0


def main(argv: Sequence[str]) -> int:
    """Run ``serve``, ``keys`` or ``apim``; returns the exit code."""
    argv = list(argv)
    if argv and argv[0] in _DELEGATES:
        # Imported by name: these come with the gateway and load only when asked for.
        module = importlib.import_module(_DELEGATES[argv[0]])
        return int(module.main(argv[1:]))
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return int(exc.code or 0)
    return maintain(args) if args.command == "maintain" else serve(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
