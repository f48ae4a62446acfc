"""
Where a worker and its server process run: as the scheduler places them, or on one core.

One PostgreSQL worker and the server process of its connection take turns:
each round trip wakes the other side.  On a virtual machine, waking a
process on the other core costs both sides more CPU than the work of the
round trip itself, and the scheduler here does not bring the two onto one
core by itself.  `one_core` pins both to one core for a measurement, so
that the benchmarks can show the rate of each placement in one run.
"""

from __future__ import annotations

import contextlib
import os

from collections.abc import Iterator
from pathlib import Path


def server_process(pid: int) -> bool:
    """
    Whether *pid* is a PostgreSQL server process on this machine.

    A server elsewhere can have a backend whose pid is some other process here.
    """
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"postgres" in command


def why_not_one_core(pid: int) -> str | None:
    """
    Why the worker and the server process *pid* cannot be put on one core, or None when they can.
    """
    if not hasattr(os, "sched_setaffinity"):
        return "this system cannot pin a process to a core"
    if len(os.sched_getaffinity(0)) < 2:
        return "this process may run on one core only"
    if not server_process(pid):
        return "the server is not on this machine"
    try:
        os.sched_setaffinity(pid, os.sched_getaffinity(pid))
    except PermissionError:
        return "the server's processes are another user's, and this one may not pin them"
    except OSError as exc:
        return f"the server process cannot be pinned ({exc.strerror})"
    return None


def cores() -> list[int]:
    """
    The cores this process may run on, in order.
    """
    return sorted(os.sched_getaffinity(0))


@contextlib.contextmanager
def one_core(pid: int, core: int | None = None) -> Iterator[int]:
    """
    Run this process and the server process *pid* on one core: *core*, else the last of `cores`.

    Both get their cores back afterwards.  Check `why_not_one_core` first.

    Yields:
        The core.
    """
    mine, theirs = os.sched_getaffinity(0), os.sched_getaffinity(pid)
    if core is None:
        core = max(mine)
    os.sched_setaffinity(pid, {core})
    os.sched_setaffinity(0, {core})
    try:
        yield core
    finally:
        os.sched_setaffinity(0, mine)
        with contextlib.suppress(OSError):
            # The connection, and with it the process, may be gone.
            os.sched_setaffinity(pid, theirs)


def placement(pid: int, *, one: bool) -> contextlib.AbstractContextManager[object] | str:
    """
    Where to run beside the server process *pid*: on one core with it when *one*, else as placed.

    Returns:
        The context to run in, or why the two cannot be put on one core.
    """
    if not one:
        return contextlib.nullcontext()
    why = why_not_one_core(pid)
    return one_core(pid) if why is None else why
