"""The result table: each figure next to its goal and its reference, printed and saved as JSON.

A figure's verdict compares either its value or its ratio to the reference with the goal
("≥ 0.6 of the bare endpoint" is a goal on the ratio). A figure without a value (the step did
not run, or failed) is reported as such, never left out.
"""

from __future__ import annotations

import json
import operator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
COMPARE = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}
SYMBOL = {"<=": "≤", ">=": "≥", "==": "="}


@dataclass(frozen=True)
class Goal:
    op: str  # "<=", ">=" or "=="
    limit: float
    on: str = "value"  # "value" or "ratio"

    def met(self, value: float | None, ratio: float | None) -> bool | None:
        measured = ratio if self.on == "ratio" else value
        return None if measured is None else COMPARE[self.op](measured, self.limit)


@dataclass
class Figure:
    section: str
    measure: str
    value: float | None
    unit: str
    goal: Goal | None = None
    reference: float | None = None
    reference_label: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.reference:
            return None
        return self.value / self.reference

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return "info" if self.value is not None else "not run"
        met = self.goal.met(self.value, self.ratio)
        return {True: "met", False: "MISSED", None: "not run"}[met]

    def as_json(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "verdict": self.verdict}


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)

    def missed(self) -> list[Figure]:
        return [figure for figure in self.figures if figure.verdict == "MISSED"]

    def as_json(self) -> dict:
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "settings": self.settings,
            "figures": [figure.as_json() for figure in self.figures],
            "missed": [figure.measure for figure in self.missed()],
            "notes": self.notes,
            "table": render(self),
        }


def say(text: str) -> None:
    """Print progress and the table (the benchmark is a command-line program)."""
    print(text, flush=True)  # noqa: T201


def write_json(report: Report, directory: Path = RESULTS) -> Path:
    """Write ``<timestamp>.json`` and ``latest.json``; return the timestamped file."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report.as_json(), indent=2, ensure_ascii=False, default=str)
    path = directory / f"{report.started_at:%Y%m%dT%H%M%SZ}.json"
    path.write_text(text + "\n", encoding="utf-8")
    (directory / "latest.json").write_text(text + "\n", encoding="utf-8")
    return path


def human(value: float | None, unit: str) -> str:
    """A value in the unit people read it in: bytes as kB/MB (1 kB = 1000 B), times in ms."""
    if value is None:
        return "—"
    if unit == "B":
        return f"{value / 1e6:.2f} MB" if value >= 1e6 else f"{value / 1e3:.1f} kB"
    if unit in ("ms", "s"):
        return f"{value:.3g} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit in ("", "count"):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:.3g}"
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"


def goal_text(figure: Figure) -> str:
    goal = figure.goal
    if goal is None:
        return ""
    limit = f"{goal.limit:g}" if goal.on == "ratio" else human(goal.limit, figure.unit)
    return f"{SYMBOL[goal.op]} {limit}" + (" × ref" if goal.on == "ratio" else "")


def reference_text(figure: Figure) -> str:
    if figure.reference is None:
        return ""
    value = human(figure.reference, figure.unit)
    return f"{value} ({figure.reference_label})" if figure.reference_label else value


def ratio_text(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:.3f}" if ratio < 0.1 else f"{ratio:.2f}"


COLUMNS = ("measure", "value", "goal", "reference", "ratio", "verdict")


def rows(report: Report) -> list[tuple[str, ...]]:
    return [(f"{figure.section}: {figure.measure}", human(figure.value, figure.unit),
             goal_text(figure), reference_text(figure), ratio_text(figure.ratio),
             figure.verdict) for figure in report.figures]


def render(report: Report) -> str:
    """The table as plain text, then the notes of each figure and of the run."""
    body = rows(report)
    widths = [max(len(row[i]) for row in [COLUMNS, *body]) for i in range(len(COLUMNS))]
    line = "-+-".join("-" * width for width in widths)
    out = [" | ".join(name.ljust(width) for name, width in zip(COLUMNS, widths, strict=True)),
           line]
    out += [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            for row in body]
    notes = [f"- {f.section}: {f.measure}: {f.note}" for f in report.figures if f.note]
    notes += [f"- {note}" for note in report.notes]
    if notes:
        out += ["", "Notes:", *notes]
    return "\n".join(out)
