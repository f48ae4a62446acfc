"""
A file that cannot be used is told in lines that each name it.
"""

import pathlib

import pytest

from convroute._file_problems import file_problems
from convroute.errors import ConfigError, PhoneNumberError


PATH = pathlib.Path("cases") / "leads.convroute.toml"


class TestFileProblems:
    def test_each_problem_of_a_file_is_a_line_naming_it(self):
        """Each problem of a ConfigError is one "path: problem" line, in order."""
        error = ConfigError(["unknown key @ $.cases[0].x", "a blank name @ $.cases[1].name"])

        assert (
            f"{PATH}: unknown key @ $.cases[0].x",
            f"{PATH}: a blank name @ $.cases[1].name",
        ) == file_problems(PATH, error)

    def test_a_file_that_cannot_be_read_says_why(self):
        """An OSError is one line saying the file cannot be read, and why."""
        error = FileNotFoundError(2, "No such file or directory")

        assert (f"cannot read {PATH}: No such file or directory",) == file_problems(PATH, error)

    @pytest.mark.parametrize(
        ("error", "line"),
        [
            pytest.param(OSError("disk gone"), f"cannot read {PATH}: disk gone", id="no-strerror"),
            pytest.param(
                PhoneNumberError("12", "it is too short"),
                f"cannot use {PATH}: {PhoneNumberError('12', 'it is too short')}",
                id="another-convroute-error",
            ),
        ],
    )
    def test_any_other_error_is_one_line_naming_the_file(self, error, line):
        """An OSError without a reason, or another ConvrouteError, is one line naming the file."""
        assert (line,) == file_problems(PATH, error)
