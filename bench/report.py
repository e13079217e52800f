"""Figures, the markdown table and the JSON results file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    """One row of the table: a measured value beside its floor or peer, and the goal it is held to."""

    section: str
    name: str
    value: str
    floor: str = "—"
    ratio: float | None = None
    goal: str = "—"
    met: bool | None = None
    # Machine-readable numbers (seconds, bytes, counts) for later comparison between runs.
    data: dict[str, Any] = field(default_factory=dict)

    def row(self) -> list[str]:
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}x"
        met = {True: "yes", False: "**NO**", None: "—"}[self.met]
        return [self.name, self.value, self.floor, ratio, self.goal, met]


@dataclass
class Section:
    """What one section measured: its rows and the notes that explain them (unmet goals, breakdowns)."""

    name: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def kib(size: float) -> str:
    return f"{size / 1024:.1f} KiB"


def mib(size: float) -> str:
    return f"{size / 1024 / 1024:.2f} MiB"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        # The machine is shared: a high load average at the start explains noisy timings.
        "load_average_at_start": [round(x, 2) for x in load],
    }


def markdown(sections: list[Section]) -> str:
    header = ["figure", "value", "floor/peer", "ratio", "goal", "met?"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for section in sections:
        if section.error:
            lines.append(f"| **{section.name}** | error: {section.error} | — | — | — | **NO** |")
        for figure in section.figures:
            cells = [c.replace("|", "\\|").replace("\n", " ") for c in figure.row()]
            lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- **{s.name}**: {note}" for s in sections for note in s.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines)


def write_json(sections: list[Section], info: dict[str, Any], total_seconds: float, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": info,
        "total_seconds": round(total_seconds, 1),
        "sections": [
            {
                "name": s.name,
                "seconds": round(s.seconds, 1),
                "error": s.error,
                "notes": s.notes,
                "figures": [asdict(f) for f in s.figures],
            }
            for s in sections
        ],
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
