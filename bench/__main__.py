"""
``python -m bench NAME``: run one benchmark, or ``all`` of them.
"""

from __future__ import annotations

import argparse
import importlib

from bench._timing import machine


# name -> module in bench/ with a ``main(quick: bool) -> None``
BENCHMARKS = {
    "matcher": "bench._matcher",
    "routing": "bench._routing",
    "engine": "bench._engine",
    "service": "bench._service",
    "reports": "bench._reports",
    "postgres": "bench._postgres",
}


def main() -> None:
    """
    Parse the command line and run the benchmarks asked for.
    """
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="+", choices=[*BENCHMARKS, "all"], metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller data")
    arguments = parser.parse_args()
    names = list(BENCHMARKS) if "all" in arguments.names else arguments.names
    print(f"# {machine()}")
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        module.main(quick=arguments.quick)


if __name__ == "__main__":
    main()
