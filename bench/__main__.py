"""
``python -m bench NAME``: run one benchmark, or ``all`` of them.

With ``--profile``, run each under pyinstrument instead and print where its
time went, as a call tree: when a benchmark has a ``profile(quick)``, what
that prepares and returns (convroute's own work, its data made beforehand),
else its whole ``main``.
"""

from __future__ import annotations

import argparse
import functools
import importlib

from collections.abc import Callable
from types import ModuleType

from bench._timing import machine


# name -> module in bench/ with a ``main(quick: bool) -> None``
BENCHMARKS = {
    "matcher": "bench._matcher",
    "routing": "bench._routing",
    "engine": "bench._engine",
    "service": "bench._service",
    "reports": "bench._reports",
    "postgres": "bench._postgres",
    "roundtrips": "bench._round_trips",
    "serverstats": "bench._server_stats",
    "due": "bench._due",
    "outbox": "bench._outbox",
    "tick": "bench._tick",
    "prune": "bench._prune",
}


def main() -> None:
    """
    Parse the command line and run the benchmarks asked for.
    """
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="+", choices=[*BENCHMARKS, "all"], metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller data")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a pyinstrument call tree of each benchmark's work instead of timing it",
    )
    arguments = parser.parse_args()
    names = list(BENCHMARKS) if "all" in arguments.names else arguments.names
    print(f"# {machine()}")
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        if arguments.profile:
            _profile(name, module, quick=arguments.quick)
        else:
            module.main(quick=arguments.quick)


def _profile(name: str, module: ModuleType, *, quick: bool) -> None:
    try:
        import pyinstrument
    except ImportError:
        raise SystemExit("pyinstrument missing: pip install -e '.[bench]'") from None
    prepare = getattr(module, "profile", None)
    work: Callable[[], None] = (
        prepare(quick) if prepare is not None else functools.partial(module.main, quick=quick)
    )
    # Samples every half millisecond: many over a run of tens of thousands
    # of searches, at little cost to the run itself.
    profiler = pyinstrument.Profiler(interval=0.0005)
    with profiler:
        work()
    print(f"\n## profile: {name}\n")
    print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
