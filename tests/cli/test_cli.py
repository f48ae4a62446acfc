import os
import pathlib
import subprocess
import sys

import pytest

from convroute.cli import main
from convroute.errors import StoreError


SEED = pathlib.Path(__file__).parents[2] / "examples" / "account.toml"


class TestCheck:
    def test_valid(self, capsys):
        """A valid file exits 0 with a one-line summary."""
        assert 0 == main(["check", str(SEED)])
        out, err = capsys.readouterr()
        assert (
            f"{SEED}: valid: 4 users, 2 chat groups, 3 routing rules, 1 opportunity type, "
            "1 number, 1 funnel\n"
        ) == out
        assert "" == err

    def test_invalid(self, capsys, tmp_path):
        """An invalid file exits 2 and prints every problem, one a line."""
        path = tmp_path / "bad.toml"
        path.write_text('max_reprompts = -1\nlead_level_rule = "Nobody"\n', encoding="utf-8")
        assert 2 == main(["check", str(path)])
        out, _ = capsys.readouterr()
        assert [
            f"{path}: must be 0 or more @ $.max_reprompts",
            f"{path}: unknown routing rule 'Nobody' @ $.lead_level_rule",
        ] == out.splitlines()

    def test_messages_to_the_lead(self, capsys, tmp_path):
        """Bad away and assigned messages are each one line with its path, in one run."""
        path = tmp_path / "messages.toml"
        path.write_text(
            '[[numbers]]\nnumber = "918040001234"\ncreate_new_rule = "Desk"\n'
            'away_message = "{{user.name}} is away"\nassigned_message = " "\n'
            '[[routing_rules]]\nname = "Desk"\ntargets = [{ kind = "admin" }]\n',
            encoding="utf-8",
        )
        assert 2 == main(["check", str(path)])
        out, _ = capsys.readouterr()
        assert [
            f"{path}: the assigned message must not be blank @ $.numbers[0].assigned_message",
            (
                f"{path}: {{{{user.name}}}} cannot be used here: this text may use lead, "
                "opportunity, owner @ $.numbers[0].away_message"
            ),
        ] == out.splitlines()

    def test_unparsable(self, capsys, tmp_path):
        """A file that is not TOML exits 2 with one line."""
        path = tmp_path / "bad.toml"
        path.write_text("x = [", encoding="utf-8")
        assert 2 == main(["check", str(path)])
        out, _ = capsys.readouterr()
        assert [f"{path}: invalid TOML: Invalid value (at end of document) @ $"] == (
            out.splitlines()
        )

    def test_missing_file(self, capsys, tmp_path):
        """A missing file exits 2 with one line on stderr."""
        path = tmp_path / "missing.toml"
        assert 2 == main(["check", str(path)])
        _, err = capsys.readouterr()
        assert f"convroute: cannot read {path}: No such file or directory\n" == err

    def test_directory(self, capsys, tmp_path):
        """A directory given as the file exits 2 with one line on stderr."""
        path = tmp_path / "dir.toml"
        path.mkdir()
        assert 2 == main(["check", str(path)])
        _, err = capsys.readouterr()
        assert 1 == len(err.splitlines())
        assert err.startswith(f"convroute: cannot read {path}: ")

    def test_undecodable(self, capsys, tmp_path):
        """A file that is not UTF-8 exits 2 with one line, not a traceback."""
        path = tmp_path / "latin.toml"
        path.write_bytes(b'lead_level_rule = "\xe9"\n')
        assert 2 == main(["check", str(path)])
        out, err = capsys.readouterr()
        assert 1 == len((out + err).splitlines())
        assert "Traceback" not in out + err

    def test_bad_yaml(self, capsys, tmp_path):
        """Broken YAML exits 2 with one line."""
        path = tmp_path / "bad.yaml"
        path.write_text("users: [\n", encoding="utf-8")
        assert 2 == main(["check", str(path)])
        out, _ = capsys.readouterr()
        assert 1 == len(out.splitlines())
        assert out.startswith(f"{path}: invalid YAML: ")

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            pytest.param(
                "deep.json", b'{"users": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", id="deep"
            ),
            pytest.param("long.toml", b"max_reprompts = " + b"9" * 5000, id="5000-digits"),
            pytest.param("wide.toml", b"max_reprompts = 99999999999999999999", id="over-64-bits"),
            pytest.param("twice.json", b'{"max_reprompts": 1, "max_reprompts": 1}', id="repeated"),
            pytest.param("lone.json", b'{"lead_level_rule": "\\udc80"}', id="lone-surrogate"),
            pytest.param("odd.yaml", b"1: a\n? [1, 2]\n: b\n", id="odd-yaml-keys"),
        ],
    )
    def test_any_file_exits_2_with_a_message(self, capsys, tmp_path, name, content):
        """However deep, long or odd the file, check answers exit 2 with its problems."""
        path = tmp_path / name
        path.write_bytes(content)
        assert 2 == main(["check", str(path)])
        out, err = capsys.readouterr()
        assert out.startswith(f"{path}: ")
        assert "Traceback" not in out + err

    def test_huge_file_refused_unread(self, capsys, tmp_path):
        """A file over 16 MiB exits 2 with one line, without being read."""
        path = tmp_path / "huge.toml"
        with path.open("wb") as file:
            file.truncate(17 * 1024 * 1024)
        assert 2 == main(["check", str(path)])
        out, _ = capsys.readouterr()
        limit = "a configuration holds at most 16 MiB (16777216)"
        assert [f"{path}: the file holds 17825792 bytes; {limit} @ $"] == out.splitlines()

    def test_every_problem_of_every_kind(self, capsys, tmp_path):
        """A wrong type does not hide an unknown name elsewhere: both are printed."""
        path = tmp_path / "bad.toml"
        path.write_text('max_reprompts = "x"\nlead_level_rule = "Nobody"\n', encoding="utf-8")
        assert 2 == main(["check", str(path)])
        out, _ = capsys.readouterr()
        assert [
            f"{path}: expected a whole number, not the text 'x' @ $.max_reprompts",
            f"{path}: unknown routing rule 'Nobody' @ $.lead_level_rule",
        ] == out.splitlines()

    def test_undecodable_file_name(self, capsys, tmp_path):
        """A file name that is not UTF-8 is printed escaped, not a crash."""
        path = tmp_path / "caf\udce9.toml"
        path.write_text("max_reprompts = -1\n", encoding="utf-8")
        assert 2 == main(["check", str(path)])
        out, _ = capsys.readouterr()
        assert [f"{tmp_path}/caf\\udce9.toml: must be 0 or more @ $.max_reprompts"] == (
            out.splitlines()
        )


class TestCommandLine:
    def test_no_command(self, capsys):
        """Without a command, usage is printed and the exit status is 2."""
        with pytest.raises(SystemExit) as caught:
            main([])
        assert 2 == caught.value.code
        assert "usage: convroute" in capsys.readouterr().err

    def test_help(self, capsys):
        """Every command has --help."""
        with pytest.raises(SystemExit) as caught:
            main(["check", "--help"])
        assert 0 == caught.value.code
        assert "Check a configuration file" in capsys.readouterr().out

    def test_internal_error_is_one_line(self, capsys, monkeypatch):
        """An unexpected failure is one line and exit status 70, never a traceback."""

        def explode(_):
            raise RuntimeError("boom")

        monkeypatch.setattr("convroute.cli._check.load_config", explode)
        assert 70 == main(["check", str(SEED)])
        _, err = capsys.readouterr()
        assert "convroute: internal error, please report it: RuntimeError: boom\n" == err

    def test_module_entry_point(self):
        """python -m convroute runs the same command line."""
        result = subprocess.run(
            [sys.executable, "-m", "convroute", "check", str(SEED)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert 0 == result.returncode
        assert result.stdout.startswith(f"{SEED}: valid: ")


class TestOutputThatCannotBeWritten:
    """
    What a command printed is written out before it exits, so that a failure is told as its own.
    """

    @staticmethod
    def run_into(stdout):
        """Run ``convroute check`` as a shell runs it, its output buffered, into *stdout*."""
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
        return subprocess.run(
            [sys.executable, "-m", "convroute", "check", str(SEED)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            check=False,
        )

    def test_a_reader_gone_exits_141_silently(self):
        """A pipe nobody reads any more exits 141 with nothing on standard error."""
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = self.run_into(write_end)
        finally:
            os.close(write_end)
        assert (141, "") == (result.returncode, result.stderr)

    @pytest.mark.skipif(not pathlib.Path("/dev/full").exists(), reason="no /dev/full here")
    def test_a_full_disk_is_one_line_and_exit_1(self):
        """An output the disk has no room for is one line and exit status 1, not Python's own."""
        with pathlib.Path("/dev/full").open("w", encoding="utf-8") as full:
            result = self.run_into(full)
        assert (1, "convroute: cannot write the output: No space left on device\n") == (
            result.returncode,
            result.stderr,
        )


class TestOutputOfALegacyEncoding:
    def test_a_character_the_output_cannot_hold_is_one_line_and_exit_1(self):
        """An output in ASCII cannot hold the demo's quotes: one line naming the cure, exit 1."""
        environment = {**os.environ, "PYTHONIOENCODING": "ascii"}
        result = subprocess.run(
            [sys.executable, "-m", "convroute", "demo"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=environment,
            check=False,
        )

        assert (1, 1) == (result.returncode, len(result.stderr.splitlines()))
        assert result.stderr.startswith("convroute: cannot write the output: its encoding, ascii")
        assert "PYTHONIOENCODING=utf-8" in result.stderr


@pytest.mark.skipif(not pathlib.Path("/bin/sh").exists(), reason="no POSIX shell here")
class TestClosedStandardStreams:
    """
    A stream the command was started without (``2>&-``) goes nowhere, as ``/dev/null`` would.
    """

    @staticmethod
    def run_without(stream, *args):
        """Run ``convroute ARGS`` from a shell that closes *stream* (1 or 2) first."""
        return subprocess.run(
            ["/bin/sh", "-c", f'exec "$0" -m convroute "$@" {stream}>&-', sys.executable, *args],
            capture_output=True,
            text=True,
            check=False,
        )

    def test_an_error_never_goes_to_the_output(self, tmp_path):
        """With standard error closed, an error line is dropped, not printed as output."""
        result = self.run_without(2, "check", str(tmp_path / "missing.toml"))

        assert (2, "") == (result.returncode, result.stdout)

    def test_a_command_that_shows_progress_runs(self):
        """With standard error closed, simulate prints its actions and exits 0."""
        events = SEED.parent / "events.jsonl"
        result = self.run_without(2, "simulate", str(SEED), str(events))

        assert (0, True) == (result.returncode, '"type": "assign"' in result.stdout)

    def test_the_demo_runs_with_its_output_closed(self):
        """With standard output closed, the demo runs to its end and exits 0."""
        result = self.run_without(1, "demo")

        assert (0, "") == (result.returncode, result.stderr)


class TestLink:
    def test_every_trigger_gets_its_link(self, capsys):
        """The seed's one trigger prints its wa.me link with the phrase encoded."""
        assert 0 == main(["link", str(SEED)])
        out, _ = capsys.readouterr()
        assert (
            "Sales / Instagram (918040001234): "
            "https://wa.me/918040001234?text=I%20came%20from%20Instagram\n"
        ) == out

    def test_json_lines(self, capsys):
        """--json prints one object a trigger."""
        assert 0 == main(["link", str(SEED), "--json"])
        out, _ = capsys.readouterr()
        assert '"phrase": "I came from Instagram"' in out

    def test_no_triggers_is_said(self, capsys, tmp_path):
        """A config without trigger phrases exits 1 with one line."""
        path = tmp_path / "empty.toml"
        path.write_text("", encoding="utf-8")
        assert 1 == main(["link", str(path)])
        _, err = capsys.readouterr()
        assert "no funnel has trigger phrases" in err

    def test_missing_file(self, capsys, tmp_path):
        """A missing config exits 2 with one line."""
        assert 2 == main(["link", str(tmp_path / "none.toml")])
        _, err = capsys.readouterr()
        assert 1 == len(err.splitlines())


class TestFailures:
    @pytest.mark.parametrize(
        ("error", "line"),
        [
            (StoreError("the store is gone"), "convroute: the store is gone\n"),
            (
                FileNotFoundError(2, "No such file or directory", "x.db"),
                "convroute: cannot read x.db: No such file or directory\n",
            ),
            (OSError(5, "Input/output error"), "convroute: Input/output error\n"),
        ],
    )
    def test_a_command_s_error_is_one_line_and_status_1(self, capsys, monkeypatch, error, line):
        """What a command raises, a convroute or system error, is one line and exit status 1."""

        def fails(_):
            raise error

        monkeypatch.setattr("convroute.cli._link.trigger_links", fails)
        assert 1 == main(["link", str(SEED)])
        assert ("", line) == capsys.readouterr()

    def test_interrupted(self, capsys, monkeypatch):
        """Ctrl-C during a command ends it quietly with exit status 130."""

        def interrupted(_):
            raise KeyboardInterrupt

        monkeypatch.setattr("convroute.cli._link.trigger_links", interrupted)
        assert 130 == main(["link", str(SEED)])
        assert ("", "") == capsys.readouterr()
