"""
What the bot examples' tests share: loading a bot, and running it as a user would.
"""

import importlib.util
import io
import pathlib
import subprocess
import sys


BOTS = pathlib.Path(__file__).parents[1] / "examples" / "bots"
NAMES = ("plan_picker", "keyword_router", "routing_script")


def load_bot(name):
    """
    Import examples/bots/<name>.py as the module *name*, as its run instructions do.
    """
    spec = importlib.util.spec_from_file_location(name, BOTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def output_of(bot, capsys, *lines):
    """
    The lines *bot*'s main prints given *lines* as its arguments.
    """
    assert 0 == bot.main(list(lines))
    captured = capsys.readouterr()
    assert "" == captured.err
    return captured.out.splitlines()


def output_of_stdin(bot, capsys, monkeypatch, text):
    """
    The lines *bot*'s main prints given no arguments and *text* on standard input.
    """
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return output_of(bot, capsys)


def run_bot(name, *arguments, stdin=b""):
    """
    Run examples/bots/<name>.py as a program; its exit status, output and error output.
    """
    finished = subprocess.run(
        [sys.executable, str(BOTS / f"{name}.py"), *arguments],
        input=stdin,
        capture_output=True,
        check=False,
        timeout=120,
    )
    return finished.returncode, finished.stdout.decode(), finished.stderr.decode()
