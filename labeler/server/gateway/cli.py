"""``labeler keys ...``: manage the built-in gateway's subscription keys.

Keys are printed once, when created or regenerated, and never again: only their hashes are kept.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

import sqlalchemy as sa

from labeler import errors
from labeler.server import principal, settings
from labeler.server.gateway import keys, schema

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        help="server database URL (default: LABELER_SERVER_DB or the user's data directory)",
    )
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser = argparse.ArgumentParser(
        prog="labeler keys", description="Manage subscription keys of the built-in API gateway."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    create = sub.add_parser(
        "create", parents=[common], help="create a subscription and print its two keys once"
    )
    create.add_argument("--name", required=True, help="the person (or team) the key belongs to")
    create.add_argument(
        "--role", required=True, choices=[r.value for r in principal.Role], help="what it may do"
    )
    create.add_argument(
        "--projects",
        default="*",
        metavar="A,B|*",
        help="comma-separated project names it may use, or * for all (default)",
    )
    create.add_argument("--team", action="store_true", help="a team key for automation")
    sub.add_parser("list", parents=[common], help="list subscriptions (never their keys)")
    revoke = sub.add_parser("revoke", parents=[common], help="revoke a subscription's keys")
    revoke.add_argument("id", metavar="ID")
    regen = sub.add_parser(
        "regenerate", parents=[common], help="replace one key (the other keeps working)"
    )
    regen.add_argument("id", metavar="ID")
    regen.add_argument("--which", required=True, choices=["primary", "secondary"])
    return parser


def _engine(url: str | None) -> sa.Engine:
    engine = sa.create_engine(url or settings.default_db_url())
    schema.upgrade(engine)
    return engine


def _scope(raw: str) -> list[str] | None:
    raw = raw.strip()
    if raw in ("", "*"):
        return None
    return [p.strip() for p in raw.split(",") if p.strip()]


def _describe(sub: keys.Subscription) -> str:
    scope = "all projects" if sub.projects is None else ", ".join(sorted(sub.projects))
    kind = "team" if sub.team else "person"
    state = "active" if sub.active else f"revoked {sub.revoked_at:%Y-%m-%d %H:%M}"
    return f"{sub.id}  {sub.name} ({kind})  {sub.role.value}  [{scope}]  {state}"


def main(argv: Sequence[str]) -> int:
    """Run ``labeler keys`` with ``argv`` (the words after ``keys``); returns the exit code."""
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        engine = _engine(args.db)
        try:
            return _run(args, engine)
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError as exc:  # the database cannot be reached or used
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"labeler keys: error: {reason}", file=sys.stderr)
        return 1
    except Exception as exc:
        return errors.report(exc, prog="labeler keys", log=log)


def _run(args: argparse.Namespace, engine: sa.Engine) -> int:
    if args.command == "create":
        made = keys.create(
            engine,
            name=args.name,
            role=principal.Role(args.role),
            projects=_scope(args.projects),
            team=args.team,
        )
        if args.json:
            payload = {**made.subscription.as_json(), "primary": made.primary}
            payload["secondary"] = made.secondary
            print(json.dumps(payload, indent=2))
        else:
            print(f"Created {_describe(made.subscription)}")
            print(f"Primary key:   {made.primary}")
            print(f"Secondary key: {made.secondary}")
            print("These keys are shown only now: store them safely (for example in a keyring).")
        return 0
    if args.command == "list":
        subs = keys.list_all(engine)
        if args.json:
            print(json.dumps([s.as_json() for s in subs], indent=2))
        elif not subs:
            print("No subscriptions yet: create one with `labeler keys create`.")
        else:
            for s in subs:
                print(_describe(s))
        return 0
    if args.command == "revoke":
        revoked = keys.revoke(engine, args.id)
        print(json.dumps(revoked.as_json(), indent=2) if args.json else f"Revoked {revoked.id}")
        return 0
    key = keys.regenerate(engine, args.id, args.which)
    if args.json:
        print(json.dumps({"id": args.id, args.which: key}, indent=2))
    else:
        print(f"New {args.which} key for {args.id}: {key}")
        print("The old one no longer works; this one is shown only now.")
    return 0
