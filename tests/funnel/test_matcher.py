import unicodedata

from collections.abc import Sequence

import pytest

from hypothesis import example, given, settings
from hypothesis import strategies as st

from convroute.funnel import PhraseMatch, TriggerMatcher, fold
from convroute.funnel._matcher_index import _SAMPLED_MIN


# Characters where folding is tricky (ß/SS, dotted and dotless i, ligatures,
# combining marks), regex metacharacters, and whitespace that `str.split`
# cuts on besides the space.
_LETTERS = "abnoeAB" + "ßSsİ\u0131iIﬁﬀfã" + "\u0301\u0303"
_METACHARACTERS = ".*+?()[]{}|^$\\"
_WHITESPACE = " \t\n\u00a0\u2003\u3000\x1c\x85"


def words() -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(_LETTERS + _METACHARACTERS), min_size=1, max_size=4)


@st.composite
def phrases(draw: st.DrawFn) -> str:
    """
    One to five words, with any whitespace between and sometimes around them.
    """
    count = draw(st.integers(1, 5))
    separators = st.text(st.sampled_from(_WHITESPACE), min_size=1, max_size=2)
    parts = [draw(words())]
    for _ in range(count - 1):
        parts += [draw(separators), draw(words())]
    around = st.sampled_from(["", " ", "\u00a0", "\t"])
    return draw(around) + "".join(parts) + draw(around)


def as_written(phrase: str) -> st.SearchStrategy[str]:
    """
    *phrase* as a sender might type it: other case, other normal form.
    """
    return st.sampled_from([phrase, phrase.upper(), phrase.lower(), phrase.swapcase()]).flatmap(
        lambda text: st.sampled_from(
            [text, unicodedata.normalize("NFD", text), unicodedata.normalize("NFC", text)]
        )
    )


@st.composite
def phrases_and_texts(draw: st.DrawFn, max_pieces: int = 12) -> tuple[list[str], str]:
    """
    Phrases, some repeated, and a text made of some of them among filler.
    """
    given_phrases = draw(st.lists(phrases(), min_size=1, max_size=12))
    given_phrases = [phrase for phrase in given_phrases if fold(phrase)] or ["a"]
    given_phrases += draw(st.lists(st.sampled_from(given_phrases), max_size=3))
    filler = st.text(st.sampled_from(_LETTERS + _METACHARACTERS + _WHITESPACE), max_size=8)
    piece = st.one_of(filler, st.sampled_from(given_phrases).flatmap(as_written))
    text = "".join(draw(st.lists(piece, max_size=max_pieces)))
    return given_phrases, text


def oracle(given_phrases: Sequence[str], text: str) -> PhraseMatch | None:
    """
    The winner by the rule itself: longest, then earliest, then first given.
    """
    message = fold(text)
    found = [
        PhraseMatch(index=index, phrase=phrase, start=start, end=start + len(fold(phrase)))
        for index, phrase in enumerate(given_phrases)
        if (start := message.find(fold(phrase))) >= 0
    ]
    if not found:
        return None
    return min(found, key=lambda match: (match.start - match.end, match.start, match.index))


def find(given_phrases: Sequence[str], text: str) -> PhraseMatch | None:
    return TriggerMatcher.from_phrases(given_phrases).find(text)


class TestAgainstOracle:
    @given(phrases_and_texts())
    @example((["İ"], "i\u0307"))
    @example((["ß", "SS"], "STRASSE"))
    @example((["ﬁ", "FI"], "ﬁ"))
    @example(([" ", "a b"], "a b"))
    @example((["a b c d", "b c", "a\u00a0b c d"], "a b c d a\u00a0b c d"))
    def test_agrees_with_oracle(self, case):
        """
        The winner is the oracle's, on tricky characters and whitespace.
        """
        given_phrases, text = case

        assert oracle(given_phrases, text) == find(given_phrases, text)

    @given(
        st.lists(st.sampled_from(["ab ", "ab", "b a", " a ", "ba b"]), min_size=1, max_size=6),
        st.text(st.sampled_from("abAB \t"), max_size=40),
    )
    def test_agrees_on_overlaps(self, given_phrases, text):
        """
        Phrases that overlap and repeat in a tiny alphabet rank as the oracle says.
        """
        assert oracle(given_phrases, text) == find(given_phrases, text)

    @settings(max_examples=5)
    @given(phrases_and_texts(max_pieces=4), st.randoms(use_true_random=False))
    def test_agrees_on_long_texts(self, case, random):
        """
        The winner is the oracle's in texts of 100 000 characters.
        """
        given_phrases, text = case
        filler = "".join(random.choice(_LETTERS + _WHITESPACE) for _ in range(1_000))
        long_text = (filler * 100)[: 100_000 - len(text)]
        at = random.randrange(len(long_text))
        long_text = long_text[:at] + text + long_text[at:]

        assert oracle(given_phrases, long_text) == find(given_phrases, long_text)


class TestPrecedence:
    def test_longest_wins(self):
        """
        A longer phrase wins over a shorter one found earlier.
        """
        assert PhraseMatch(1, "hello world", 6, 17) == find(
            ["hello", "hello world"], "hello hello world"
        )

    def test_earliest_wins_among_equals(self):
        """
        Between phrases of the same length, the one found first wins.
        """
        assert PhraseMatch(1, "beta", 0, 4) == find(["alfa", "beta"], "beta alfa")

    def test_first_given_wins_among_same(self):
        """
        Phrases that fold alike go to the first one given.
        """
        assert PhraseMatch(1, "Promo", 0, 5) == find(["other", "Promo", "PROMO", "promo"], "promo")

    def test_earliest_occurrence(self):
        """
        A phrase found several times is reported where it is first found.
        """
        assert PhraseMatch(0, "i want it", 2, 11) == find(["i want it"], "a i want it i want it")

    def test_overlapping_phrases(self):
        """
        Of two overlapping phrases, the longer wins even when it starts later.
        """
        assert PhraseMatch(1, "banana x", 4, 12) == find(["ana b", "banana x"], "ana banana x")


class TestCaseAndAccents:
    def test_case_ignored(self):
        """
        A phrase matches whatever the case of the message.
        """
        assert PhraseMatch(0, "Hello There friend", 3, 21) == find(
            ["Hello There friend"], "Oi hELLO tHERE FRIEND!"
        )

    def test_sharp_s(self):
        """
        ``STRASSE`` finds ``straße`` and the other way round.
        """
        assert PhraseMatch(0, "straße", 0, 7) == find(["straße"], "STRASSE 1")
        assert PhraseMatch(0, "STRASSE", 0, 7) == find(["STRASSE"], "straße 1")

    def test_dotted_capital_i(self):
        """
        ``İ`` folds to ``i`` and a combining dot, which ``i`` alone lacks.
        """
        assert PhraseMatch(0, "İstanbul", 0, 9) == find(["İstanbul"], "i\u0307stanbul")
        assert find(["İstanbul"], "istanbul") is None

    def test_dotless_i(self):
        """
        The dotless ``\u0131`` is a letter of its own.
        """
        assert find(["\u0131rmak"], "irmak") is None

    def test_ligature(self):
        """
        A ligature folds to its letters.
        """
        assert PhraseMatch(0, "ﬁx", 0, 3) == find(["ﬁx"], "FIX")

    def test_accents_matter(self):
        """
        ``não`` is not ``nao``.
        """
        assert find(["não quero"], "nao quero") is None

    def test_decomposed_message(self):
        """
        A message in NFD finds a phrase written in NFC.
        """
        message = unicodedata.normalize("NFD", "Eu NÃO quero")

        assert PhraseMatch(0, "não quero", 3, 12) == find(["não quero"], message)


class TestLiteral:
    @pytest.mark.parametrize("phrase", [".*", "a.c", "(a|b)", "[ab]", "a+", "^a", "a$", "\\d"])
    def test_metacharacters_literal(self, phrase):
        """
        Regex metacharacters in a phrase only match themselves.
        """
        assert find([phrase], "abc ab a aaa 1") is None
        assert PhraseMatch(0, phrase, 2, 2 + len(phrase)) == find([phrase], f"x {phrase} y")

    def test_whitespace_kind_matters(self):
        """
        A no-break space in a phrase is not a space.
        """
        assert find(["a\u00a0b c d"], "a b c d") is None
        assert PhraseMatch(0, "a\u00a0b c d", 0, 7) == find(["a\u00a0b c d"], "a\u00a0b c d")


class TestShapes:
    @pytest.mark.parametrize(
        "phrase",
        [
            "i want the course",  # a pair of inner words
            "i want it",  # an inner word and the next one's start
            "i want ",  # an inner word alone
            " want ",
            "promocode",  # long enough for sampled q-grams
            "two words",
            "oi",  # short: the pattern
            "a b",
            " ",
        ],
    )
    def test_found_inside_words(self, phrase):
        """
        Whatever way a phrase is indexed, it is found glued to other text.
        """
        text = f"xx{phrase.upper()}yy zz"

        assert PhraseMatch(0, phrase, 2, 2 + len(phrase)) == find([phrase], text)

    @pytest.mark.parametrize("offset", range(2 * _SAMPLED_MIN))
    def test_sampled_at_any_offset(self, offset):
        """
        A phrase just long enough for sampled q-grams is found at any offset.
        """
        phrase = "p" * (_SAMPLED_MIN - 1) + "q"
        text = "p" * offset + phrase.upper() + "p"

        assert PhraseMatch(0, phrase, offset, offset + len(phrase)) == find([phrase], text)


class TestBuild:
    def test_empty_phrase_rejected(self):
        """
        A phrase that is empty once folded is an error naming its position.
        """
        with pytest.raises(ValueError, match="phrase 1 is empty"):
            TriggerMatcher.from_phrases(["ok", ""])

    def test_no_phrases(self):
        """
        A matcher without phrases finds nothing.
        """
        assert TriggerMatcher.from_phrases([]).find("anything at all") is None

    def test_empty_message(self):
        """
        An empty message contains no phrase.
        """
        assert find(["a", "a b c d"], "") is None

    def test_equality_by_phrases(self):
        """
        Matchers built from the same phrases are equal.
        """
        assert TriggerMatcher.from_phrases(["a", "b"]) == TriggerMatcher.from_phrases(("a", "b"))

    def test_positions_in_folded_message(self):
        """
        Positions count characters of the folded message.
        """
        match = find(["hello"], "Straße! HELLO")

        assert PhraseMatch(0, "hello", 9, 14) == match
        assert "hello" == fold("Straße! HELLO")[match.start : match.end]
