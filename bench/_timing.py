"""
Timing helpers: medians of several runs, rates, and a plain table.

The machines are noisy: every figure is a median, and comparisons are
ratios measured in the same run.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time

from collections.abc import Callable, Sequence
from pathlib import Path

import attrs


@attrs.frozen
class Timing:
    """
    Seconds taken by several runs of the same work.

    Attributes:
        runs: Seconds per run, in the order run.
        items: How many items (messages, events, decisions) one run handles.
    """

    runs: tuple[float, ...]
    items: int = 1

    @property
    def median(self) -> float:
        """
        The median seconds of one run.
        """
        return statistics.median(self.runs)

    @property
    def rate(self) -> float:
        """
        Items per second, from the median run.
        """
        return self.items / self.median if self.median > 0 else float("inf")


def measure(work: Callable[[], object], *, items: int = 1, repeat: int = 5) -> Timing:
    """
    Run *work* *repeat* times (after one warm-up run) and time each run.

    The garbage collector is collected before each run and left on, as in
    real use.

    Args:
        work: The work of one run.
        items: How many items one run handles, for `Timing.rate`.
        repeat: How many timed runs.

    Returns:
        The timings.
    """
    work()
    runs = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    return Timing(runs=tuple(runs), items=items)


def machine() -> str:
    """
    One line on what ran the benchmark, with how its idle cores wait when the system says.
    """
    python = f"Python {platform.python_version()} ({sys.implementation.name})"
    line = f"{python}, {platform.machine()}, {platform.system()}, {os.cpu_count()} CPUs"
    idle = idle_cores()
    return f"{line}, {idle}" if idle else line


def idle_cores() -> str | None:
    """
    How an idle core waits for work, as Linux tells, if it does.

    Its cpuidle governor, and on a virtual machine with the haltpoll governor how long it
    polls before it halts.  A process that waits for another's answer (a worker for its
    PostgreSQL server process) is woken faster by a core that polls than by one that halted:
    on a virtual machine, waking a halted core is the hypervisor's work, and takes tens of
    microseconds.
    """
    governor = _read("/sys/devices/system/cpu/cpuidle/current_governor")
    if governor is None:
        return None
    polls = _read("/sys/module/haltpoll/parameters/guest_halt_poll_ns")
    if governor == "haltpoll" and polls is not None:
        return f"idle cores: {governor}, polling {polls} ns before halting"
    return f"idle cores: {governor}"


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """
    Render rows as a Markdown table, numbers right-aligned.
    """
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
        "|"
        + "|".join("-" * (w + 1) + ":" if i else "-" * (w + 2) for i, w in enumerate(widths))
        + "|",
    ]
    lines.extend(
        "| "
        + " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        + " |"
        for row in cells
    )
    return "\n".join(lines)
