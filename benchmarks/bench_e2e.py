"""The app as its user meets it: start-up, a new folder's first page, next image, memory after browsing.

    python -m benchmarks.bench_e2e --display :86 [--labelme PYTHON] [--runs 5] [--switches 60]
        [--browse 500] [--screenshots] [--priority]

Every figure is taken from a real process started the way a user starts it (``python -m
labeler.cli open ...``, the same code as the ``labeler`` command) on an X display (a virtual one:
``Xvfb :86 -screen 0 1600x1000x24 &``), watched and driven from inside by
``benchmarks/app_probe.py``: start-up to a painted, idle window and to the picture on the canvas;
key press (D) to the next image painted, through the real controllers, database reads and canvas;
resident memory after 500 images forward and back. Beside each figure, measured in the same run:

- the machine's floor: a bare PySide6 window started the same way; for a switch, a bare viewer of
  the same size that shows pictures decoded ahead (``benchmarks/bare_window.py``), and Pillow
  decoding the same files; for a new folder, listing its names and decoding its first image;
- labelme 6.3.1 (``--labelme``: the python of a separate environment with ``labelme==6.3.1``),
  driven the same way with its own keys;
- with ``--baseline DIR``, labeler from another source tree (``git archive main | tar -x -C DIR``),
  to show a change before and after in one run.

Start-up and first-page runs alternate between the apps; the median of ``--runs`` is printed, with
the range. ``--screenshots`` saves the screen at the moments called visible and shown, under
``benchmarks/out/e2e-shots/``. ``--priority`` runs the apps at nice -10 (the X server should be
reniced too): on a shared machine, other people's work otherwise decides the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from benchmarks import bench_app, bench_indexing, common

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "benchmarks" / "app_probe.py"
BARE = ROOT / "benchmarks" / "bare_window.py"

#: Goals: start-up within 3× a bare window; a switch decoded ahead within 8 ms (p95).
STARTUP_RATIO_GOAL = 3.0
SWITCH_P95_GOAL_MS = 8.0
RSS_GOAL_MB = 200.0


class Runner:
    """Spawns probed app processes with a fresh user (data, settings, home) each time."""

    def __init__(
        self,
        display: str,
        labelme: str | None,
        priority: bool,
        shots: Path | None,
        baseline: Path | None = None,
    ):
        self.baseline = baseline
        self.display = display
        self.labelme = os.path.abspath(labelme) if labelme else None  # not resolved: a venv
        self.priority = priority
        self.shots = shots

    def run(
        self, app: str, command: Sequence[str], *options: str, shots: str = "", before: bool = False
    ) -> dict[str, Any]:
        """Start ``command`` under the probe; its report (see ``app_probe.py``). ``before`` runs
        labeler from the ``--baseline`` source tree instead of this one."""
        python, binding = (
            (self.labelme, "PyQt5") if app == "labelme" else (sys.executable, "PySide6")
        )
        root = self.baseline if before and self.baseline is not None else ROOT
        assert python is not None
        with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
            out = Path(tmp) / "probe.json"
            env = dict(
                os.environ, DISPLAY=self.display, QT_QPA_PLATFORM="xcb", HOME=tmp,
                XDG_CONFIG_HOME=f"{tmp}/config", LABELER_DATA_DIR=f"{tmp}/data",
                PROBE_OUT=str(out), PYTHONPATH=str(root),
            )  # fmt: skip
            # A returning user: their name is set, so the first-start question does not come up.
            conf = Path(tmp) / "config" / "labeler" / "labeler.conf"
            conf.parent.mkdir(parents=True)
            conf.write_text("[user]\nauthor=bench\n")
            extra: list[str] = []
            if shots and self.shots is not None:
                (self.shots / shots).mkdir(parents=True, exist_ok=True)
                extra = ["--screenshots", str(self.shots / shots)]
            args = [python, str(PROBE), binding, app, *options, *extra, "--", *command]
            with open(Path(tmp) / "log.txt", "w") as log:
                env["PROBE_T0"] = repr(time.time())
                subprocess.run(
                    args, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT, check=False,
                    timeout=900, preexec_fn=self._raise if self.priority else None,
                )  # fmt: skip
            if not out.exists():
                raise SystemExit(
                    f"{app} did not report:\n{(Path(tmp) / 'log.txt').read_text()[-3000:]}"
                )
            report: dict[str, Any] = json.loads(out.read_text())
        if report.get("timed_out"):
            raise SystemExit(f"{app} timed out: {report}")
        return report

    @staticmethod
    def _raise() -> None:
        os.nice(-10)


# -- data -----------------------------------------------------------------------------------------


def photos(count: int) -> Path:
    """``count`` distinct 1080p JPEGs (noise over a gradient: decodes like a photo)."""
    return bench_indexing.make_jpegs(common.OUT / f"jpeg1080-{count}", count)


def indexed_project(folder: Path) -> Path:
    """A project of ``folder``, indexed, as a user who opened it before has it."""
    return bench_app.project_for(folder, common.OUT / f"e2e-{folder.name}.labeler", index=True)


# -- measures -------------------------------------------------------------------------------------

Report = dict[str, Any]
#: Who is measured: the floor ("bare"), this labeler, labeler before (--baseline), labelme.
Case = Callable[..., Report]


def median_range(values: Sequence[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def p50_p95(values: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def contenders(r: Runner, labeler_target: Path, labelme_target: Path) -> dict[str, Case]:
    """Each contender started on its target, the probe's ``options`` passed along. A project
    file is opened from a fresh copy each time, so every run starts on its first image (the
    project remembers where the last run left off)."""

    def labeler(*options: str, before: bool = False) -> Report:
        if labeler_target.suffix != ".labeler":
            command = ["-m", "labeler.cli", "open", str(labeler_target)]
            return r.run("labeler", command, *options, before=before)
        with tempfile.TemporaryDirectory(prefix="bench-e2e-project-") as tmp:
            copy = Path(tmp) / labeler_target.name
            shutil.copyfile(labeler_target, copy)
            command = ["-m", "labeler.cli", "open", str(copy)]
            return r.run("labeler", command, *options, before=before)

    cases: dict[str, Case] = {"labeler": labeler}
    if r.baseline is not None:
        cases["before"] = lambda *o: labeler(*o, before=True)
    if r.labelme:
        cases["labelme"] = lambda *o: r.run("labelme", ["-m", "labelme", str(labelme_target)], *o)
    return cases


def alternate(runs: int, cases: dict[str, Case], *options: str) -> dict[str, list[Report]]:
    """``runs`` rounds, one run of each case per round (a busy moment hits all of them)."""
    out: dict[str, list[Report]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            out[name].append(case(*options))
    return out


def listing_and_decode(folder: Path) -> float:
    """Seconds to list ``folder``'s names and decode its first image (Pillow), warm cache."""
    start = time.perf_counter()
    names = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(".jpg")
    )
    with Image.open(names[0]) as im:
        im.load()
    return time.perf_counter() - start


def command_line(runs: int, baseline: Path | None) -> dict[str, list[float]]:
    """Wall seconds of ``labeler --help`` (this one and the baseline) and ``python -c pass``."""

    def timed(args: list[str], root: Path) -> float:
        start = time.perf_counter()
        env = dict(os.environ, PYTHONPATH=str(root))
        subprocess.run(args, check=True, capture_output=True, cwd=root, env=env)
        return time.perf_counter() - start

    out: dict[str, list[float]] = {"bare": [], "labeler": [], "before": []}
    for _ in range(runs):
        out["bare"].append(timed([sys.executable, "-c", "pass"], ROOT))
        out["labeler"].append(timed([sys.executable, "-m", "labeler.cli", "--help"], ROOT))
        if baseline is not None:
            out["before"].append(timed([sys.executable, "-m", "labeler.cli", "--help"], baseline))
    return out


def raw_decodes(files: Sequence[Path]) -> list[float]:
    out = []
    for path in files:
        path.read_bytes()  # the page cache, as for the apps
        start = time.perf_counter()
        with Image.open(path) as im:
            im.load()
        out.append((time.perf_counter() - start) * 1000)
    return out


# -- report ---------------------------------------------------------------------------------------


def fmt_s(values: Sequence[float]) -> str:
    if not values:
        return ""
    mid, low, high = median_range(values)
    return f"{mid:.2f} s ({low:.2f}–{high:.2f})"


def fmt_ms(values: Sequence[float] | None) -> str:
    if not values:
        return ""
    p50, p95 = p50_p95(values)
    return f"{p50:.1f} / {p95:.1f} ms"


def fmt_mb(report: Report | None) -> str:
    return f"{report['rss_mb']:.0f} MB (peak {report['peak_rss_mb']:.0f})" if report else ""


def table(rows: list[tuple[str, ...]]) -> str:
    head = (
        "| measure | labeler | before (baseline) | floor (same run) | labeler ÷ floor "
        "| labelme 6.3.1 | goal |"
    )
    return "\n".join(
        [head, "|---|---|---|---|---|---|---|", *("| " + " | ".join(r) + " |" for r in rows)]
    )


def main() -> None:  # noqa: PLR0915 - one flat list of measures reads best
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--display", default=os.environ.get("DISPLAY"))
    parser.add_argument("--labelme", help="python of an environment with labelme==6.3.1")
    parser.add_argument(
        "--baseline", type=Path, help="a source tree of labeler to measure beside (e.g. main)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--switches", type=int, default=60)
    parser.add_argument("--browse", type=int, default=500)
    parser.add_argument("--names", type=int, default=10_000)
    parser.add_argument("--screenshots", action="store_true")
    parser.add_argument("--priority", action="store_true")
    parser.add_argument("--skip", default="", help="comma-separated: startup,first,switch,browse")
    args = parser.parse_args()
    if not args.display:
        raise SystemExit("needs an X display: start Xvfb and pass --display :N")
    skip = set(args.skip.split(","))
    shots = common.OUT / "e2e-shots" if args.screenshots else None
    baseline = args.baseline.resolve() if args.baseline else None
    r = Runner(args.display, args.labelme, args.priority, shots, baseline)
    folder = photos(max(args.browse, args.switches + 1))
    project = indexed_project(folder)
    small = bench_app.small_jpegs(common.OUT / f"small-{args.names}", args.names)
    rows: list[tuple[str, ...]] = []
    results: dict[str, Any] = {}
    print(table([]), flush=True)

    def add(row: tuple[str, ...]) -> None:
        """A row of the table, printed at once (a long run shows its figures as they come)."""
        rows.append(row)
        print("| " + " | ".join(row) + " |", flush=True)
        (common.OUT / "bench_e2e.json").write_text(json.dumps(results, indent=1))

    def get(reports: dict[str, list[Report]], name: str, key: str) -> list[float]:
        return [x[key] for x in reports.get(name, [])]

    if shots is not None:  # untimed: what "visible" and "shown" look like
        r.run("labeler", ["-m", "labeler.cli", "open", str(project)], shots="labeler-open")
        r.run("labeler", ["-m", "labeler.cli", "open", str(small)], shots="labeler-new-folder")
        if args.labelme:
            r.run("labelme", ["-m", "labelme", str(folder)], shots="labelme-open")

    if "startup" not in skip:
        cli = results["cli"] = command_line(args.runs, baseline)
        add((
            "`labeler --help`", fmt_s(cli["labeler"]), fmt_s(cli["before"]),
            f"`python -c pass` {fmt_s(cli['bare'])}",
            f"{statistics.median(cli['labeler']) / statistics.median(cli['bare']):.1f}×", "",
            "≤ 0.3 s",
        ))  # fmt: skip
        cases = {"bare": lambda *o: r.run("viewer", [str(BARE)], *o)}
        cases.update(contenders(r, project, folder))
        s = results["startup"] = alternate(args.runs, cases)
        bare = get(s, "bare", "idle")
        for key, name in (("idle", "window painted and idle"), ("picture", "first image painted")):
            ours = get(s, "labeler", key)
            add((
                f"`labeler open` a project of {args.browse} 1080p images → {name}",
                fmt_s(ours), fmt_s(get(s, "before", key)), f"bare window {fmt_s(bare)}",
                f"{statistics.median(ours) / statistics.median(bare):.1f}×",
                fmt_s(get(s, "labelme", key)),
                f"≤ {STARTUP_RATIO_GOAL:.0f}× floor" if key == "idle" else "",
            ))  # fmt: skip
        add((
            "resident memory, first image painted", f"{statistics.median(get(s, 'labeler', 'rss_mb')):.0f} MB",
            f"{statistics.median(get(s, 'before', 'rss_mb')):.0f} MB" if baseline else "",
            f"bare window {statistics.median(get(s, 'bare', 'rss_mb')):.0f} MB", "",
            f"{statistics.median(get(s, 'labelme', 'rss_mb')):.0f} MB" if args.labelme else "", "",
        ))  # fmt: skip

    if "first" not in skip:
        cases = {"bare": lambda *o: r.run("viewer", [str(BARE)], *o)}
        cases.update(contenders(r, small, small))  # a new project each time: fresh data dir
        f = results["first"] = alternate(args.runs, cases)
        floor = [x + listing_and_decode(small) for x in get(f, "bare", "idle")]
        ours = get(f, "labeler", "picture")
        add((
            f"`labeler open` a new folder of {args.names:,} images → first image painted",
            fmt_s(ours), fmt_s(get(f, "before", "picture")),
            f"bare window + listing + first decode {fmt_s(floor)}",
            f"{statistics.median(ours) / statistics.median(floor):.1f}×",
            fmt_s(get(f, "labelme", "picture")), "",
        ))  # fmt: skip

    if "switch" not in skip:
        n = str(args.switches)
        viewer = r.run("viewer", [str(BARE), str(folder), str(args.switches + 1)], "--switches", n)
        sw = {name: case("--switches", n) for name, case in contenders(r, project, folder).items()}
        raw = raw_decodes(sorted(folder.glob("*.jpg"))[1 : args.switches + 1])
        results["switch"] = {**sw, "bare": viewer, "raw": raw}
        o50, o95 = p50_p95(sw["labeler"]["switch_ms"])
        v50, v95 = p50_p95(viewer["switch_ms"])
        add((
            "next 1080p image, decoded ahead: key press → painted (p50 / p95)",
            fmt_ms(sw["labeler"]["switch_ms"]),
            fmt_ms(sw["before"]["switch_ms"]) if "before" in sw else "",
            f"bare viewer {v50:.1f} / {v95:.1f} ms; Pillow decode alone {fmt_ms(raw)}",
            f"+{o50 - v50:.1f} / +{o95 - v95:.1f} ms",
            fmt_ms(sw["labelme"]["switch_ms"]) if "labelme" in sw else "",
            f"≤ {SWITCH_P95_GOAL_MS:.0f} ms p95",
        ))  # fmt: skip

    if "browse" not in skip:
        b = str(args.browse)
        br = {
            name: case("--browse", b, "--pace", "0.1")
            for name, case in contenders(r, project, folder).items()
        }
        bare_b = r.run("viewer", [str(BARE)])
        results["browse"] = {**br, "bare": bare_b}
        add((
            f"resident memory after {args.browse} images forward and back",
            fmt_mb(br["labeler"]), fmt_mb(br.get("before")),
            f"bare window {bare_b['rss_mb']:.0f} MB",
            f"+{br['labeler']['rss_mb'] - bare_b['rss_mb']:.0f} MB",
            fmt_mb(br.get("labelme")), f"≤ {RSS_GOAL_MB:.0f} MB",
        ))  # fmt: skip

    print(
        f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
        f"priority {'raised' if args.priority else 'normal'}\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
