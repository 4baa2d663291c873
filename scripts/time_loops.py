"""Time the contributors' loops on this machine and write their figures where README.md and CONTRIBUTING.md give them.

    python scripts/time_loops.py            # count make check's tests (seconds): run after adding or marking a test
    python scripts/time_loops.py --time     # and time make check, 3 runs (about 2 min; on an idle machine)
    python scripts/time_loops.py --full     # make check's 3 runs, then make test once, with each lesson's share
    python scripts/time_loops.py --ci-log F # or take make test's and .ci/run's times from a log of .ci/run

Each figure sits between `<!-- loops:NAME -->` and `<!-- /loops -->` in the two files; this script is what writes
it, and tests/test_make.py fails when the test count stated there is not the one make check collects.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
SPAN = re.compile(r"(<!-- loops:(?P<name>[\w-]+) -->)(?P<figure>.*?)(<!-- /loops -->)")
CHECK_MARKERS = "not (slow or network or browser or notebook)"  # the Makefile's check target selects these


def check_test_count() -> int:
    """How many tests make check runs, from pytest's collection with the same markers."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--collect-only", "-m",
                             CHECK_MARKERS, "tests"], cwd=ROOT, capture_output=True, text=True)
    found = re.search(r"^(\d+)(?:/\d+)? tests? collected", result.stdout, re.MULTILINE)
    if found is None:
        sys.exit(f"error: pytest could not collect the tests:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return int(found.group(1))


def timed_make(target: str, *variables: str) -> tuple[float, str]:
    """Seconds that `make TARGET` takes, and its output; exits with that output if it fails."""
    start = time.perf_counter()
    result = subprocess.run(["make", "--no-print-directory", target, *variables], cwd=ROOT, capture_output=True,
                            text=True)
    if result.returncode != 0:
        sys.exit(f"error: make {target} failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return time.perf_counter() - start, result.stdout


def lesson_shares(durations: str) -> dict[str, float]:
    """Seconds of pytest's work (every worker's together) per lesson: its notebook and its solutions (kernel start
    included), and the call of every test whose name carries its number; the rest, shared fixtures included, under
    "other"."""
    shares: dict[str, float] = defaultdict(float)
    for seconds, phase, test in re.findall(r"^([\d.]+)s (setup|call|teardown) +(\S+)", durations, re.MULTILINE):
        lesson = re.search(r"notebooks/(?:solutions/)?(\d\d)_", test) or (
            re.search(r"\[(\d\d)[-\]/_]", test) if phase == "call" else None)
        shares[lesson.group(1) if lesson else "other"] += float(seconds)
    return dict(sorted(shares.items()))


def minutes(seconds: float) -> str:
    """Seconds as minutes to a tenth, for the documents."""
    return f"{seconds / 60:.1f} min"


def write(figures: dict[str, str]) -> None:
    """Put each figure in its span in the documents; every span named must be found."""
    seen = set()
    for path in DOCUMENTS:
        text = path.read_text()

        def replace(match: re.Match) -> str:
            name = match.group("name")
            if name not in figures:
                return match.group(0)
            seen.add(name)
            return f"{match.group(1)}{figures[name]}{match.group(4)}"

        path.write_text(SPAN.sub(replace, text))
    if missing := set(figures) - seen:
        sys.exit(f"error: no <!-- loops:NAME --> span for {', '.join(sorted(missing))} in README.md or CONTRIBUTING.md")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time", action="store_true", help="also time make check, 3 runs")
    make_test = parser.add_mutually_exclusive_group()
    make_test.add_argument("--full", action="store_true", help="also time make check, 3 runs, then make test once, "
                           "with each lesson's share")
    make_test.add_argument("--ci-log", type=Path, help="take make test's and .ci/run's times from this log of .ci/run")
    args = parser.parse_args()
    figures = {"check-tests": str(check_test_count())}
    print(f"make check runs {figures['check-tests']} tests")
    if args.time or args.full:
        runs = [timed_make("check")[0] for _ in range(3)]
        figures["check-time"] = f"{min(runs):.0f} to {max(runs):.0f} s"
        print(f"make check: {', '.join(f'{run:.1f}' for run in runs)} s (median {statistics.median(runs):.1f} s)")
    if args.full:
        seconds, output = timed_make("test", "TEST_ARGS=--durations=0")
        figures["test-time"] = f"about {minutes(seconds)}"
        print(f"make test: {seconds:.0f} s; each lesson's share of the work (seconds, all workers together):")
        for lesson, share in lesson_shares(output).items():
            print(f"  {lesson}: {share:.0f}")
    if args.ci_log:
        steps = dict(re.findall(r"^ci: (.+?) after (\d+) s$", args.ci_log.read_text(), re.MULTILINE))
        if not {"book built", "tests done"} <= steps.keys():
            sys.exit(f"error: {args.ci_log} is not the log of a finished .ci/run (no 'ci: tests done after N s' line)")
        seconds = int(steps["tests done"]) - int(steps["book built"])
        figures["test-time"], figures["ci-time"] = f"about {minutes(seconds)}", f"{minutes(int(steps['tests done']))}"
        print(f"make test in CI: {seconds} s; .ci/run in all: {steps['tests done']} s")
    write(figures)
    print("written into README.md and CONTRIBUTING.md")


if __name__ == "__main__":
    main()
