import io

from convroute.cli._progress import EVERY, counted


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class TestCounted:
    def test_nothing_is_written_off_a_terminal(self):
        """A pipe or file gets no count; the items pass through."""
        stream = io.StringIO()

        assert list(range(3000)) == list(counted(range(3000), "lines", stream))
        assert "" == stream.getvalue()

    def test_a_terminal_sees_the_count_and_it_is_wiped(self):
        """On a terminal the count is rewritten in place and cleared at the end."""
        stream = _Terminal()

        assert 2 * EVERY + 5 == len(list(counted(range(2 * EVERY + 5), "lines", stream)))
        written = stream.getvalue()
        assert f"\r{EVERY} lines" in written
        assert f"\r{2 * EVERY} lines" in written
        assert written.endswith("\r")

    def test_short_runs_write_nothing(self):
        """Fewer items than one step write nothing, even on a terminal."""
        stream = _Terminal()

        assert [1, 2] == list(counted([1, 2], "lines", stream))
        assert "" == stream.getvalue()
