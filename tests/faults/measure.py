"""What the fault run and the probe run share: their log lines, one HTTP answer, and the goals they measure, with
the table and the JSON line each run ends with."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def logger(run: str):
    """`log(message)` for one run: a timestamped line, printed at once (CI shows it while the run goes on)."""

    def log(message: str) -> None:
        print(f"[{run} {time.strftime('%H:%M:%S')}] {message}", flush=True)

    return log


@dataclass
class Answer:
    """One HTTP answer; status 0: none at all (timed out, connection refused or reset)."""

    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


@dataclass
class Results:
    log: object = print
    figures: dict = field(default_factory=dict)
    goals: list = field(default_factory=list)  # (goal, measured, met)

    def goal(self, name: str, measured: str, met: bool) -> None:
        self.goals.append((name, measured, met))
        self.log(f"{'met   ' if met else 'MISSED'} {name}: {measured}")

    @property
    def all_met(self) -> bool:
        return bool(self.goals) and all(met for _name, _measured, met in self.goals)

    def report(self, run: str, seconds: int, detail: str = "", **figures) -> int:
        """Print the table of goals, one line saying how it went and, last, every figure as one JSON line; the
        run's exit status (1 when a goal was missed)."""
        print("\n| goal | measured | met |\n|---|---|---|")
        for name, measured, met in self.goals:
            print(f"| {name} | {measured} | {'yes' if met else 'NO'} |")
        print(f"\n{run}: {seconds} s{detail}, {'every goal met' if self.all_met else 'GOALS MISSED'}")
        figures = {**self.figures, "seconds": seconds, **figures, "all_goals_met": self.all_met}
        print(json.dumps({run.replace(" ", "_"): figures}, ensure_ascii=False))
        return 0 if self.all_met else 1


def begin(description: str, prefix: str) -> tuple[argparse.Namespace, Path]:
    """A run's options and its temporary folder (logs, the database cluster); SIGTERM ends it through its clean-up."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database) afterwards")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(folder, 0o755)  # the postgres user must reach its cluster inside

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    return args, folder


def end(servers: list, folder: Path, *, keep: bool, failed: bool, logs: tuple[str, ...], log=print) -> None:
    """Stop the run's servers, newest first, whatever happened; show the last lines of their logs when a goal was
    missed; remove the folder unless asked to keep it."""
    for server in reversed(servers):
        with contextlib.suppress(Exception):
            (server.destroy if hasattr(server, "destroy") else server.stop)()
    if failed:
        for name in logs:
            path = folder / name
            if path.exists():
                print(f"--- last lines of {name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-25:]))
    if keep:
        log(f"kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
