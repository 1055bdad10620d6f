"""``labeler predict`` and ``labeler suggestions``: pre-label with a model, settle its suggestions."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from labeler.cli import common
from labeler.domain import status as status_mod

if TYPE_CHECKING:
    from labeler.services import project as project_mod
    from labeler.services import suggestions

# The services (models, SQLAlchemy) are imported by the commands that use them, so that
# `labeler --help` starts in a moment.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "predict",
        help="pre-label images with a registered model (suggestions, kept apart from labels)",
        description="Run a model over the project's images and store what it finds as "
        "suggestions: never counted, exported or synced as labels until accepted. Resumable: "
        "images the model has looked at are skipped (--again looks again).",
    )
    common.project_arg(p)
    p.add_argument(
        "--model", required=True, metavar="NAME", help="a model from `labeler models list`"
    )
    p.add_argument("--status", default="new,in_progress",
                   help="comma-separated statuses of the images to pre-label (default %(default)s)")  # fmt: skip
    p.add_argument("--min-score", type=float, default=0.25, metavar="S",
                   help="keep predictions scoring at least S (default %(default)s)")  # fmt: skip
    p.add_argument("--map", action="append", default=[], metavar="MODEL=PROJECT",
                   help="put the model's class MODEL into the project's class PROJECT, or leave "
                   "it out with MODEL= (kept for the model; repeatable)")  # fmt: skip
    p.add_argument("--create-classes", action="store_true",
                   help="add project classes for model classes the project lacks")  # fmt: skip
    p.add_argument("--again", action="store_true", help="look again at images done before")
    p.add_argument("--threads", type=int, help="onnxruntime threads (default: every core)")
    p.add_argument("--key", help="an endpoint's subscription key (default: LABELER_KEY, keyring)")
    common.json_arg(p)
    p.set_defaults(handler=cmd_predict)

    p = sub.add_parser("suggestions", help="list, accept or reject a model's suggestions")
    common.project_arg(p)
    p.add_argument("action", choices=("list", "accept", "reject", "stats"),
                   help="list them; accept (make labels) or reject them; stats per class")  # fmt: skip
    p.add_argument("--min-score", type=float, metavar="S", help="only scores of at least S")
    p.add_argument("--max-score", type=float, metavar="S", help="only scores below S")
    p.add_argument("--classes", help="comma-separated project classes")
    p.add_argument("--model", metavar="NAME", help="only this model's suggestions")
    common.json_arg(p)
    p.set_defaults(handler=cmd_suggestions)


def _open(args: argparse.Namespace) -> project_mod.Project:
    from labeler.services import project as project_mod

    path = project_mod.resolve_project_path(args.project)
    return project_mod.open_project(path, author=common.author(args))


def _mapping(pairs: Sequence[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for pair in pairs:
        if "=" not in pair:
            raise common.CliError(
                f"--map {pair!r}: expected MODEL=PROJECT (or MODEL= to leave out)"
            )
        model, project = pair.split("=", 1)
        out[model.strip()] = project.strip() or None
    return out


def _ask(unknown: Sequence[str], classes: Sequence[str]) -> dict[str, str | None]:
    """Ask once per model class the project does not have; the answers are kept for the model."""
    print(f"project classes: {', '.join(classes) or '(none)'}", file=sys.stderr)
    answers: dict[str, str | None] = {}
    for label in unknown:
        reply = input(
            f"model class {label!r} → project class (name; empty: leave out; '+': add {label!r}): "
        ).strip()
        answers[label] = label if reply == "+" else (reply or None)
    return answers


def cmd_predict(args: argparse.Namespace) -> int:
    from labeler.services import assist, images, prelabel, schema

    entry = assist.get_model(args.model)
    given = _mapping(args.map)
    if given:
        entry = assist.remember_classes(entry.name, given)
    statuses = [status_mod.parse_status(s) for s in args.status.split(",") if s.strip()]
    with _open(args) as project:
        current = schema.get_schema(project)
        plan = assist.plan_classes(current, entry)
        if plan.unknown and args.create_classes:
            assist.create_classes(project, plan.unknown)
        elif plan.unknown and not args.json and os.isatty(0):
            answers = _ask(plan.unknown, [c.name for c in current.classes])
            assist.create_classes(project, [v for v in answers.values() if v is not None])
            entry = assist.remember_classes(entry.name, answers)
        plan = assist.plan_classes(schema.get_schema(project), entry)
        detector = assist.open_detector(entry, threads=args.threads, key=args.key)
        ids = images.list_image_ids(
            project, images.ImageFilter(statuses=frozenset(statuses), problems=False)
        )
        try:
            report = prelabel.predict(
                project, entry, detector, plan, ids, min_score=args.min_score, again=args.again,
                progress=common.progress_bar("pre-labeling", args),
            )  # fmt: skip
        finally:
            assist.close_detector(detector)
        if plan.unknown and detector.names != entry.names and entry.kind is assist.Kind.ENDPOINT:
            assist.registry_().update(entry.name, names=detector.names)
    lines = [
        f"{report.model}: looked at {report.looked_at} images ({report.skipped} done before), "
        f"{report.suggested} suggestions, {report.suppressed} already labeled or rejected "
        f"({report.seconds:.1f} s)"
    ]
    if report.unmapped:
        lines.append(
            "left out, no project class: "
            + ", ".join(f"{k} ({v})" for k, v in sorted(report.unmapped.items()))
            + " — map them with --map MODEL=PROJECT or --create-classes"
        )
    lines += [f"  could not read {p}: {r}" for p, r in report.failed]
    common.emit(args, report.to_json(), "\n".join(lines))
    return 0


def _row(s: suggestions.Suggestion, names: dict[str, str], paths: dict[str, str]) -> dict[str, Any]:
    return {
        "id": s.id, "image": paths.get(s.image_id, s.image_id), "image_id": s.image_id,
        "class": names.get(s.class_id or ""), "model_class": s.label, "model": s.model_name,
        "model_sha256": s.model_sha256, "score": round(s.score, 4), "kind": s.kind.value,
        "geometry": s.geometry.to_json(), "state": s.state,
    }  # fmt: skip


def cmd_suggestions(args: argparse.Namespace) -> int:
    from labeler.services import images, schema, suggestions

    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    with _open(args) as project:
        if args.action == "stats":
            return _stats(args, suggestions.outcomes(project, args.model))
        found = suggestions.find(
            project, min_score=args.min_score, max_score=args.max_score, class_names=classes,
            model=args.model,
        )  # fmt: skip
        names = {c.id: c.name for c in schema.get_schema(project).classes}
        paths = {
            i.id: i.rel_path for i in images.get_images(project, list({s.image_id for s in found}))
        }
        rows = [_row(s, names, paths) for s in found]
        if args.action == "list":
            text = "\n".join(
                f"{r['score']:.3f}  {r['class']}  ({r['model_class']}, {r['model']})  {r['image']}"
                for r in rows
            )
            common.emit(args, {"suggestions": rows}, text or "(no open suggestions)")
            return 0
        todo = [s.id for s in found]
        settled = (
            suggestions.accept(project, todo)
            if args.action == "accept"
            else suggestions.reject(project, todo)
        )
    verb = "accepted" if args.action == "accept" else "rejected"
    common.emit(
        args,
        {verb: settled.count, "images": len(settled.images)},
        f"{verb} {settled.count} suggestions on {len(settled.images)} images",
    )
    return 0


def _stats(args: argparse.Namespace, found: dict[str, suggestions.Outcome]) -> int:
    rows = {k: {"open": o.open, "accepted": o.accepted, "edited": o.edited, "rejected": o.rejected}
            for k, o in sorted(found.items())}  # fmt: skip
    lines = [f"{'class':<20} {'open':>6} {'accepted':>9} {'edited':>7} {'rejected':>9}"]
    lines += [
        f"{k:<20} {r['open']:>6} {r['accepted']:>9} {r['edited']:>7} {r['rejected']:>9}"
        for k, r in rows.items()
    ]
    common.emit(args, {"classes": rows}, "\n".join(lines))
    return 0
