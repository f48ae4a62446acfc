"""
The example account's test file (examples/account.convroute.toml), as users run it.
"""

import pathlib
import subprocess
import sys


ROOT = pathlib.Path(__file__).parents[1]


class TestExampleCases:
    def test_convroute_test_passes(self):
        """`convroute test examples/account.toml examples/account.convroute.toml` exits 0."""
        ran = subprocess.run(
            [
                sys.executable,
                "-m",
                "convroute",
                "test",
                "examples/account.toml",
                "examples/account.convroute.toml",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (0, "7 passed, 0 failed", "") == (
            ran.returncode,
            ran.stdout.splitlines()[-1],
            ran.stderr,
        )

    def test_pytest_collects_only_the_cases_in_examples(self):
        """pytest collects the example's cases from examples/, and nothing else there."""
        ran = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
                "examples",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        collected = [line for line in ran.stdout.splitlines() if "::" in line]
        assert (0, 7) == (ran.returncode, len(collected))
        assert all(line.startswith("examples/account.convroute.toml::") for line in collected)
