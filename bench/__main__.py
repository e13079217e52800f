"""Entry point of `make bench`: run the sections, print the markdown table, write bench/results/latest.json."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

from bench.report import RESULTS, Section, machine, markdown, write_json

# Order matters a little: the CPU-heavy sections run last so that they do not warm or load the others.
SECTIONS = {
    "coldstart": "bench.coldstart",
    "calls": "bench.calls",
    "login": "bench.timing:run_login",
    "enumeration": "bench.timing:run_enumeration",
    "agents": "bench.agents",
    "agents page": "bench.agents_page",
    "weight": "bench.weight",
    "load": "bench.load",
    "size": "bench.size",
}


def _run(name: str) -> Section:
    module_name, _, function = SECTIONS[name].partition(":")
    started = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
        section: Section = getattr(module, function or "run")()
    except Exception as exc:  # one broken section must not hide the others
        traceback.print_exc()
        section = Section(name, error=f"{type(exc).__name__}: {exc}".splitlines()[0][:200])
    section.seconds = time.perf_counter() - started
    print(f"[bench] {name}: {section.seconds:.1f} s", file=sys.stderr, flush=True)
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SECTIONS),
        metavar="NAME",
        help=f"run only this section (repeatable): {', '.join(SECTIONS)}",
    )
    parser.add_argument("--output", default=str(RESULTS / "latest.json"), help="JSON results file")
    args = parser.parse_args(argv)
    names = [n for n in SECTIONS if not args.only or n in args.only]
    info = machine()
    started = time.perf_counter()
    sections = [_run(name) for name in names]
    total = time.perf_counter() - started
    print(markdown(sections))
    print(f"\nTotal: {total:.0f} s on {info['cpu_model']} ({info['cores']} cores), Python {info['python']}.")
    from pathlib import Path

    write_json(sections, info, total, Path(args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
