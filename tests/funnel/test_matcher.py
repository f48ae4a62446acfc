import pickle
import typing
import unicodedata

from collections.abc import Sequence

import pytest

from hypothesis import example, given, settings
from hypothesis import strategies as st

from convroute._blank import is_blank
from convroute._text import fold
from convroute.errors import ConfigError
from convroute.funnel import PhraseMatch, TriggerMatcher
from convroute.funnel._matcher import MatcherBackend, distinct_phrases
from convroute.funnel._matcher_accelerated import ACCELERATOR_INSTALLED
from convroute.funnel._matcher_index import (
    SAMPLINGS,
    Sampling,
    choose_sampling,
    python_search,
    reduced_form,
)


_NO_ACCELERATOR = pytest.mark.skipif(
    not ACCELERATOR_INSTALLED, reason="ahocorasick_rs is not installed (the fast extra)"
)


# Characters where folding is tricky (ß/SS, dotted and dotless i, ligatures,
# combining marks), characters of three and four bytes in UTF-8, regex
# metacharacters, whitespace besides the space, and for messages only, a
# lone surrogate (half an emoji), which the accelerator cannot take.
_LETTERS = "abnoeAB" + "ßSsİ\u0131iIﬁﬀfã" + "\u0301\u0303" + "中\U0001d538"
_METACHARACTERS = ".*+?()[]{}|^$\\"
_WHITESPACE = " \t\n\u00a0\u2003\u3000\x1c\x85"
_BROKEN = "\ud83d"


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
    Distinct phrases, and a text made of some of them among filler.
    """
    drawn = draw(st.lists(phrases(), min_size=1, max_size=12))
    # A matcher refuses blank phrases and phrases that fold alike.
    distinct = {fold(phrase): phrase for phrase in reversed(drawn) if not is_blank(phrase)}
    given_phrases = sorted(distinct.values(), key=drawn.index) or ["a"]
    filler = st.text(
        st.sampled_from(_LETTERS + _METACHARACTERS + _WHITESPACE + _BROKEN), max_size=8
    )
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


def build(given_phrases: Sequence[str], engine: str) -> TriggerMatcher:
    """
    A matcher on *engine*; the index and its pattern forced even for few phrases.
    """
    if engine == "ahocorasick_rs":
        matcher = TriggerMatcher.from_phrases(given_phrases)
        assert "ahocorasick_rs" == matcher.engine
        return matcher
    if engine == "python":
        return TriggerMatcher.from_phrases(given_phrases, accelerate=False)
    # "index WxS loop|pattern": the index with grams of W bytes every S,
    # the phrases too short for it tested one by one or put in a pattern.
    width, step = map(int, engine.split()[1].split("x"))
    lowest_index = distinct_phrases(given_phrases)
    search = python_search(
        lowest_index,
        tuple(given_phrases),
        scan_max=0,
        loop_max=100 if engine.endswith("loop") else 0,
        sampling=Sampling(width, step),
    )
    return TriggerMatcher(phrases=tuple(given_phrases), engine="python", _search=search)


ENGINES = pytest.mark.parametrize(
    "engine",
    [
        pytest.param("ahocorasick_rs", marks=_NO_ACCELERATOR),
        "python",
        "index 8x4 loop",
        "index 4x4 pattern",
        "index 4x3 pattern",
        "index 4x2 loop",
    ],
)


def find(given_phrases: Sequence[str], text: str, engine: str = "python") -> PhraseMatch | None:
    return build(given_phrases, engine).find(text)


@ENGINES
class TestAgainstOracle:
    @given(phrases_and_texts())
    @example((["İ"], "i\u0307"))
    @example((["ß", "STRASSE"], "STRASSE"))
    @example((["ﬁ"], "FI"))
    @example((["b", "a b"], "a b"))
    @example((["a b c d", "b c", "a\u00a0b c d"], "a b c d a\u00a0b c d"))
    def test_agrees_with_oracle(self, engine, case):
        """
        The winner is the oracle's, on tricky characters and whitespace.
        """
        given_phrases, text = case

        assert oracle(given_phrases, text) == find(given_phrases, text, engine)

    @given(
        st.lists(
            st.sampled_from(["ab ", "ab", "b a", " a ", "ba b"]),
            min_size=1,
            max_size=5,
            unique=True,
        ),
        st.text(st.sampled_from("abAB \t"), max_size=40),
    )
    def test_agrees_on_overlaps(self, engine, given_phrases, text):
        """
        Phrases that overlap in a tiny alphabet rank as the oracle says.
        """
        assert oracle(given_phrases, text) == find(given_phrases, text, engine)

    @settings(max_examples=5)
    @given(phrases_and_texts(max_pieces=4), st.randoms(use_true_random=False))
    def test_agrees_on_long_texts(self, engine, case, random):
        """
        The winner is the oracle's in texts of 100 000 characters.
        """
        given_phrases, text = case
        filler = "".join(random.choice(_LETTERS + _WHITESPACE) for _ in range(1_000))
        long_text = (filler * 100)[: 100_000 - len(text)]
        at = random.randrange(len(long_text))
        long_text = long_text[:at] + text + long_text[at:]

        assert oracle(given_phrases, long_text) == find(given_phrases, long_text, engine)


@ENGINES
class TestPrecedence:
    def test_longest_wins(self, engine):
        """
        A longer phrase wins over a shorter one found earlier.
        """
        assert PhraseMatch(1, "hello world", 6, 17) == find(
            ["hello", "hello world"], "hello hello world", engine
        )

    def test_earliest_wins_among_equals(self, engine):
        """
        Between phrases of the same length, the one found first wins.
        """
        assert PhraseMatch(1, "beta", 0, 4) == find(["alfa", "beta"], "beta alfa", engine)

    def test_phrases_folding_alike_refused(self, engine):
        """
        Phrases that fold alike are refused: the later could never win.
        """
        with pytest.raises(ConfigError, match=r"'PROMO' repeats phrase 1 'Promo'"):
            find(["other", "Promo", "PROMO"], "promo", engine)

    def test_earliest_occurrence(self, engine):
        """
        A phrase found several times is reported where it is first found.
        """
        assert PhraseMatch(0, "i want it", 2, 11) == find(
            ["i want it"], "a i want it i want it", engine
        )

    def test_overlapping_phrases(self, engine):
        """
        Of two overlapping phrases, the longer wins even when it starts later.
        """
        assert PhraseMatch(1, "banana x", 4, 12) == find(
            ["ana b", "banana x"], "ana banana x", engine
        )


@ENGINES
class TestCaseAndAccents:
    def test_case_ignored(self, engine):
        """
        A phrase matches whatever the case of the message.
        """
        assert PhraseMatch(0, "Hello There friend", 3, 21) == find(
            ["Hello There friend"], "Oi hELLO tHERE FRIEND!", engine
        )

    def test_sharp_s(self, engine):
        """
        ``STRASSE`` finds ``straße`` and the other way round.
        """
        assert PhraseMatch(0, "straße", 0, 7) == find(["straße"], "STRASSE 1", engine)
        assert PhraseMatch(0, "STRASSE", 0, 7) == find(["STRASSE"], "straße 1", engine)

    def test_dotted_capital_i(self, engine):
        """
        ``İ`` folds to ``i`` and a combining dot, which ``i`` alone lacks.
        """
        assert PhraseMatch(0, "İstanbul", 0, 9) == find(["İstanbul"], "i\u0307stanbul", engine)
        assert find(["İstanbul"], "istanbul", engine) is None

    def test_dotless_i(self, engine):
        """
        The dotless ``\u0131`` is a letter of its own.
        """
        assert find(["\u0131rmak"], "irmak", engine) is None

    def test_ligature(self, engine):
        """
        A ligature folds to its letters.
        """
        assert PhraseMatch(0, "ﬁx", 0, 3) == find(["ﬁx"], "FIX", engine)

    def test_accents_matter(self, engine):
        """
        ``não`` is not ``nao``.
        """
        assert find(["não quero"], "nao quero", engine) is None

    def test_decomposed_message(self, engine):
        """
        A message in NFD finds a phrase written in NFC.
        """
        message = unicodedata.normalize("NFD", "Eu NÃO quero")

        assert PhraseMatch(0, "não quero", 3, 12) == find(["não quero"], message, engine)


@ENGINES
class TestLiteral:
    @pytest.mark.parametrize("phrase", [".*", "a.c", "(a|b)", "[ab]", "a+", "^a", "a$", "\\d"])
    def test_metacharacters_literal(self, engine, phrase):
        """
        Regex metacharacters in a phrase only match themselves.
        """
        assert find([phrase], "abc ab a aaa 1", engine) is None
        assert PhraseMatch(0, phrase, 2, 2 + len(phrase)) == find([phrase], f"x {phrase} y", engine)

    def test_whitespace_kind_matters(self, engine):
        """
        A no-break space in a phrase is not a space.
        """
        assert find(["a\u00a0b c d"], "a b c d", engine) is None
        assert PhraseMatch(0, "a\u00a0b c d", 0, 7) == find(
            ["a\u00a0b c d"], "a\u00a0b c d", engine
        )


@ENGINES
class TestShapes:
    @pytest.mark.parametrize(
        "phrase",
        [
            "i want the course",
            "two words",
            "promocode",
            "promo",  # five bytes: the shortest the index samples
            "não quero",  # accents reduce to one byte
            "хочу курс",  # and Cyrillic too
            "oi",  # too short to sample
            "a b",
            "--",  # nothing left once reduced
            "?!",
        ],
    )
    def test_found_inside_words(self, engine, phrase):
        """
        Whatever way a phrase is indexed, it is found glued to other text.
        """
        text = f"xx{phrase.upper()}yy zz"

        assert PhraseMatch(0, phrase, 2, 2 + len(phrase)) == find([phrase], text, engine)


class TestIndex:
    @pytest.mark.parametrize("sampling", SAMPLINGS, ids=str)
    @pytest.mark.parametrize("offset", range(10))
    @pytest.mark.parametrize("pad", ["p", "é", "я", "😀", " "])
    def test_sampled_at_any_offset(self, sampling, offset, pad):
        """
        A phrase just long enough for a sampling is found at any offset.
        """
        phrase = "p" * (sampling.shortest - 1) + "q"
        text = pad * offset + phrase.upper() + "p"
        matcher = build([phrase, "other"], f"index {sampling.width}x{sampling.step} loop")
        start = len(fold(pad * offset))

        assert PhraseMatch(0, phrase, start, start + len(phrase)) == matcher.find(text)

    def test_long_message(self):
        """
        A message of many chunks of grams is searched to its end.
        """
        phrases = [f"código {n:03d}" for n in range(30)]
        text = "x" * 50_000 + " CÓDIGO 029 " + "y" * 1_000
        match = TriggerMatcher.from_phrases(phrases, accelerate=False).find(text)

        assert PhraseMatch(29, "código 029", 50_001, 50_011) == match

    def test_wall_of_punctuation(self):
        """
        A long phrase with nothing left once reduced is found, beside a pattern.
        """
        wall = "!?" * 50
        phrases = [wall, "?", "!!", "ab", "b"]
        matcher = build(phrases, "index 8x4 pattern")

        assert PhraseMatch(0, wall, 1, 101) == matcher.find(f"x{wall}!ab")
        assert PhraseMatch(3, "ab", 2, 4) == matcher.find("x!ab")

    def test_reduced_form(self):
        """
        Whitespace, punctuation and lead bytes go; continuation bytes stay.
        """
        assert b"oi\xa3o" == reduced_form("oi, ão!")
        assert b"\x8f\xb2\xa0" == reduced_form("\tяв\u00a0")

    @pytest.mark.parametrize(
        ("lengths", "expected"),
        [
            ([11] * 100, Sampling(8, 4)),
            ([11] * 100 + [7] * 12, Sampling(8, 4)),
            ([11] * 100 + [7] * 13, Sampling(4, 4)),
            ([7] * 100 + [6] * 13, Sampling(4, 3)),
            ([7] * 100 + [5] * 13, Sampling(4, 2)),
            ([2] * 100, Sampling(4, 2)),
        ],
    )
    def test_choose_sampling(self, lengths, expected):
        """
        The sampling with the fewest grams that leaves at most a dozen phrases out.
        """
        assert expected == choose_sampling(lengths)

    @pytest.mark.parametrize("width", [3, 5, 16])
    def test_widths_struct_reads(self, width):
        """
        Grams are 4 or 8 bytes, the sizes read as numbers.
        """
        with pytest.raises(ValueError, match="'width' must be in"):
            Sampling(width, 2)

    def test_no_phrases(self):
        """
        An index of nothing finds nothing.
        """
        assert build([], "index 4x2 loop").find("anything at all") is None

    def test_many_phrases(self):
        """
        A list long enough for the index finds what the oracle finds.
        """
        phrases = [f"frase {n} número {n * 7}" for n in range(200)] + ["oi", "ok"]
        texts = ["FRASE 12 NÚMERO 84 e frase 3 número 21", "oi", "nada", "frase 1 número 7ok"]
        matcher = TriggerMatcher.from_phrases(phrases, accelerate=False)

        assert [oracle(phrases, text) for text in texts] == [matcher.find(t) for t in texts]


class TestEngines:
    @pytest.mark.parametrize("accelerate", [True, False])
    def test_backend_is_a_matcher_backend(self, accelerate):
        """
        A matcher's backend is one of the values `MatcherBackend` names.
        """
        matcher = TriggerMatcher.from_phrases(["hello"], accelerate=accelerate)

        assert {"ahocorasick_rs", "python"} == set(typing.get_args(MatcherBackend))
        assert matcher.engine in typing.get_args(MatcherBackend)

    def test_python_on_request(self):
        """
        ``accelerate=False`` always gives the pure-Python engine.
        """
        assert "python" == TriggerMatcher.from_phrases(["a"], accelerate=False).engine

    @_NO_ACCELERATOR
    def test_accelerated_by_default(self):
        """
        With ahocorasick_rs installed, it is used.
        """
        assert "ahocorasick_rs" == TriggerMatcher.from_phrases(["a"]).engine

    @pytest.mark.parametrize("accelerate", [True, False])
    def test_pickled(self, accelerate):
        """
        A matcher pickles, and comes back on the same engine, finding the same.
        """
        matcher = TriggerMatcher.from_phrases(["oi", "quero o curso"], accelerate=accelerate)
        copy = pickle.loads(pickle.dumps(matcher))  # noqa: S301 - our own pickle

        assert (matcher, matcher.engine) == (copy, copy.engine)
        assert matcher.find("Oi, QUERO O CURSO") == copy.find("Oi, QUERO O CURSO")

    def test_engine_not_compared(self):
        """
        Matchers of the same phrases are equal whatever their engine.
        """
        assert TriggerMatcher.from_phrases(["a"]) == TriggerMatcher.from_phrases(
            ["a"], accelerate=False
        )

    @_NO_ACCELERATOR
    def test_lone_surrogate_message(self):
        """
        A message the accelerator cannot encode is searched by the Python engine.
        """
        matcher = TriggerMatcher.from_phrases(["hello"])

        assert PhraseMatch(0, "hello", 2, 7) == matcher.find("\ud83d HELLO")
        assert matcher.find("\ud83d") is None

    def test_lone_surrogate_phrase(self):
        """
        A phrase the accelerator cannot encode keeps the Python engine.
        """
        matcher = TriggerMatcher.from_phrases(["a\udc00b", "c"])

        assert "python" == matcher.engine
        assert PhraseMatch(0, "a\udc00b", 1, 4) == matcher.find("xA\udc00B")


class TestBuild:
    def test_empty_phrase_rejected(self):
        """
        An empty phrase is an error naming its position.
        """
        with pytest.raises(ValueError, match=r"must not be blank, and it is '' @ \$\[1\]"):
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
