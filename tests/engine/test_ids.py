"""
The ids derived per event are written as `json.dumps` writes their parts.
"""

import json

from hypothesis import given
from hypothesis import strategies as st

from convroute.engine._actions import json_key
from convroute.funnel._records import json_strings


# Any text, lone surrogates, quotes, backslashes and control characters included.
TEXT = st.text(st.characters(codec=None)) | st.sampled_from(['"', "\\", "\n", "\x00", "\ud800"])


class TestJsonKeys:
    @given(parts=st.lists(TEXT | st.integers(), max_size=4))
    def test_json_key_is_json_dumps(self, parts):
        """A key of strings and whole numbers is the text json.dumps gives."""
        assert json.dumps(parts, ensure_ascii=False) == json_key(parts)

    @given(parts=st.lists(TEXT | st.booleans() | st.none() | st.floats(), max_size=4))
    def test_json_key_of_other_values_is_json_dumps(self, parts):
        """Booleans, None and floats are left to json.dumps, which writes them its way."""
        assert json.dumps(parts, ensure_ascii=False) == json_key(parts)

    @given(parts=st.lists(TEXT, max_size=4))
    def test_json_strings_is_json_dumps(self, parts):
        """A key of strings is the text json.dumps gives."""
        assert json.dumps(parts, ensure_ascii=False) == json_strings(parts)

    def test_json_strings_of_other_values_is_json_dumps(self):
        """Parts that are not strings are left to json.dumps."""
        assert json.dumps(["a", 1, None], ensure_ascii=False) == json_strings(["a", 1, None])
