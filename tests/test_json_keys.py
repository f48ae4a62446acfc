"""
The ids derived per event are written as `json.dumps` writes their parts.
"""

import json

from hypothesis import given
from hypothesis import strategies as st

from convroute._ids import json_key


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
