import pickle
import unicodedata

import pytest

from hypothesis import example, given, settings
from hypothesis import strategies as st

from convroute._text import fold, original_span
from convroute.errors import ConfigError
from convroute.funnel import KeywordHit, KeywordMatcher, PhraseMatch, TriggerMatcher
from convroute.funnel._matcher_accelerated import ACCELERATOR_INSTALLED


# Characters whose folding changes the length of text (ß, ligatures, İ, a
# lone ypogegrammeni, final sigma), combining marks that NFC joins to a
# letter or leaves alone, Hangul jamo that NFC joins into a syllable.
_TRICKY = "abxsSeE" + "ßẞﬁﬀİı" + "Σσς\u0345" + "\u0301\u0303\u0316" + "\u1100\u1161\u11a8" + " "


def cuts_by_definition(text: str) -> list[tuple[int, int]]:
    """
    Every position where *text* folds piece by piece, with its folded offset, tried one by one.
    """
    whole = fold(text)
    return [
        (index, len(fold(text[:index])))
        for index in range(len(text) + 1)
        if fold(text[:index]) + fold(text[index:]) == whole
    ]


def oracle(keywords: dict[str, int], text: str) -> KeywordHit[int] | None:
    """
    The winner by naive search over the folded text, mapped back by the definition of a cut.
    """
    message = fold(text)
    found = [
        (-len(fold(phrase)), start, order, phrase)
        for order, phrase in enumerate(keywords)
        if (start := message.find(fold(phrase))) >= 0
    ]
    if not found:
        return None
    length, start, _, phrase = min(found)
    end = start - length
    cuts = cuts_by_definition(text)
    first = max(index for index, offset in cuts if offset <= start)
    last = min(index for index, offset in cuts if offset >= end)
    return KeywordHit(keywords[phrase], phrase, (first, last))


@st.composite
def keywords_and_texts(draw: st.DrawFn) -> tuple[dict[str, int], str]:
    """
    Distinct keywords and a text holding some of them, in other cases and normal forms.
    """
    phrases = draw(st.lists(st.text(st.sampled_from(_TRICKY), min_size=1, max_size=4), max_size=6))
    keywords: dict[str, int] = {}
    seen: set[str] = set()
    for value, phrase in enumerate(phrases):
        if phrase.strip() and fold(phrase) not in seen:
            seen.add(fold(phrase))
            keywords[phrase] = value
    written = st.sampled_from(list(keywords) or ["a"]).flatmap(
        lambda phrase: st.sampled_from(
            [
                phrase,
                phrase.upper(),
                unicodedata.normalize("NFD", phrase),
                unicodedata.normalize("NFC", phrase.upper()),
            ]
        )
    )
    filler = st.text(st.sampled_from(_TRICKY), max_size=4)
    text = "".join(draw(st.lists(st.one_of(filler, written), max_size=6)))
    return keywords, text


class TestFind:
    def test_value(self):
        """The keyword found gives its value, its phrase and where it is."""
        matcher = KeywordMatcher.from_mapping({"price": "pricing", "talk to a human": "agent"})

        assert KeywordHit("agent", "talk to a human", (8, 23)) == matcher.find(
            "please, TALK TO A HUMAN now"
        )

    def test_nothing_found(self):
        """A text holding no keyword gives ``None``."""
        assert KeywordMatcher.from_mapping({"price": 1}).find("hello") is None

    def test_longest_wins(self):
        """Of two keywords found, the longer wins, as trigger phrases do."""
        matcher = KeywordMatcher.from_mapping({"plan": "any", "gold plan": "gold"})

        assert "gold" == matcher.find("the gold plan please").value  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("keyword", "text", "piece"),
        [
            (
                "não",
                unicodedata.normalize("NFD", "Eu NÃO quero"),
                unicodedata.normalize("NFD", "NÃO"),
            ),
            ("strasse", "in der Straße 1", "Straße"),
            ("fix", "a ﬁx please", "ﬁx"),
            ("istanbul", "to Istanbul", "Istanbul"),
            ("i̇stanbul", "to İstanbul", "İstanbul"),
            ("stop", "\uff21 stop", "stop"),
        ],
    )
    def test_span_in_text_as_given(self, keyword, text, piece):
        """The span cuts the text as given, even where folding changed its length."""
        hit = KeywordMatcher.from_mapping({keyword: True}).find(text)

        assert hit is not None
        assert piece == text[slice(*hit.span)]

    def test_part_of_a_folded_character(self):
        """A keyword found inside what one character folds to takes the whole character."""
        hit = KeywordMatcher.from_mapping({"s": 1}).find("ß")

        assert hit is not None
        assert (0, 1) == hit.span

    def test_emoji_allowed(self):
        """A keyword may hold emoji: that rule is for trigger phrases in a config."""
        hit = KeywordMatcher.from_mapping({"❤️ love": "love"}).find("I ❤️ LOVE it")

        assert KeywordHit("love", "❤️ love", (2, 9)) == hit

    @pytest.mark.parametrize("accelerate", [True, False])
    def test_engines_agree(self, accelerate):
        """Either engine gives the same hit."""
        matcher = KeywordMatcher.from_mapping({"straße": 1, "gold": 2}, accelerate=accelerate)

        assert KeywordHit(1, "straße", (3, 10)) == matcher.find("at STRASSE gold")

    @settings(deadline=None)
    @given(keywords_and_texts())
    @example(({"ß": 0}, "SS"))
    @example(({"s": 0}, "aß"))
    @example(({"e": 0}, "e\u0301"))
    @example(({"x": 0}, "x\u0301"))
    @example(({"\u1100": 0}, "\u1100\u1161"))
    @example(({"\u03c3": 0}, "\u0391\u03a3"))
    @example(({"\u03b9": 0}, "a\u0345"))
    def test_agrees_with_oracle(self, case):
        """The hit, value and span are the naive search's, mapped back by the definition."""
        keywords, text = case

        assert oracle(keywords, text) == KeywordMatcher.from_mapping(keywords).find(text)


class TestValue:
    @pytest.mark.parametrize("accelerate", [True, False])
    def test_pickled(self, accelerate):
        """A matcher pickles, and comes back equal, on the same engine, finding the same."""
        matcher = KeywordMatcher.from_mapping({"price": 1, "gold plan": 2}, accelerate=accelerate)
        copy = pickle.loads(pickle.dumps(matcher))  # noqa: S301 - our own pickle

        assert (matcher, matcher.matcher.engine) == (copy, copy.matcher.engine)
        assert matcher.find("GOLD PLAN?") == copy.find("GOLD PLAN?")

    def test_equal_by_keywords_and_values(self):
        """Matchers of the same keywords with other values are not equal."""
        assert KeywordMatcher.from_mapping({"a": 1}) != KeywordMatcher.from_mapping({"a": 2})

    def test_hashable(self):
        """A matcher can be a key, as frozen values can."""
        matcher = KeywordMatcher.from_mapping({"a": 1})

        assert "found" == {matcher: "found"}[KeywordMatcher.from_mapping({"a": 1})]


class TestRefused:
    @pytest.mark.parametrize("phrase", ["", "   ", "\u200b", "\u2060\ufeff", "\t\n"])
    def test_blank(self, phrase):
        """A blank or invisible-only keyword is refused, naming its place."""
        with pytest.raises(ConfigError, match=r"must not be blank.*@ \$\[1\]"):
            KeywordMatcher.from_mapping({"price": 1, phrase: 2})

    def test_repeated_once_folded(self):
        """Two keywords that fold alike are refused: the second could never be found."""
        with pytest.raises(ConfigError, match=r"'STRASSE' repeats phrase 0 'straße'"):
            KeywordMatcher.from_mapping({"straße": 1, "STRASSE": 2})

    def test_is_a_value_error(self):
        """The error is a ValueError, as bad values are."""
        with pytest.raises(ValueError, match="blank"):
            KeywordMatcher.from_mapping({" ": 1})

    def test_not_a_mapping(self):
        """A list of phrases is refused with a clear error."""
        with pytest.raises(TypeError, match="mapping"):
            KeywordMatcher.from_mapping(["price"])  # type: ignore[arg-type]


class TestTriggerMatcherRefuses:
    def test_one_string(self):
        """One string where a list of phrases is expected is refused, not taken letter by letter."""
        with pytest.raises(TypeError, match="single str 'promo'"):
            TriggerMatcher.from_phrases("promo")

    def test_not_a_string(self):
        """A phrase that is not a string is refused with a clear error."""
        with pytest.raises(TypeError, match=r"phrases\[1\] must be a str, not 1"):
            TriggerMatcher.from_phrases(["a", 1])  # type: ignore[list-item]

    def test_blank(self):
        """A blank phrase is refused, not matched in every message with two spaces."""
        with pytest.raises(ConfigError, match=r"must not be blank, and it is '  ' @ \$\[1\]"):
            TriggerMatcher.from_phrases(["promo 10", "  "])

    def test_repeated_once_folded(self):
        """Two phrases that fold alike are refused."""
        with pytest.raises(ConfigError, match=r"repeats phrase 0 'Promo'.*@ \$\[2\]"):
            TriggerMatcher.from_phrases(["Promo", "other", "PROMO"])

    def test_every_problem(self):
        """Every blank and repeated phrase gets its line."""
        with pytest.raises(ConfigError) as caught:
            TriggerMatcher.from_phrases(["", "a", "A", "\u200b"])

        assert 3 == len(caught.value.errors)


# What the accelerator option is not, and how an error shows it.
NOT_BOOLS = [
    ("no", "the str 'no'"),
    ("False", "the str 'False'"),
    (None, "None"),
    (0, "0"),
    (1, "1"),
]
ENGINE = "ahocorasick_rs" if ACCELERATOR_INSTALLED else "python"


class TestAccelerateIsABool:
    @pytest.mark.parametrize(("accelerate", "shown"), NOT_BOOLS)
    def test_keyword_matcher(self, accelerate, shown):
        """An accelerate that is not a bool is refused, not read as true or false."""
        with pytest.raises(TypeError) as caught:
            KeywordMatcher.from_mapping({"price": 1}, accelerate=accelerate)

        assert f"accelerate must be a bool, not {shown}" == str(caught.value)

    @pytest.mark.parametrize(("accelerate", "shown"), NOT_BOOLS)
    def test_trigger_matcher(self, accelerate, shown):
        """The trigger matcher refuses an accelerate that is not a bool too."""
        with pytest.raises(TypeError) as caught:
            TriggerMatcher.from_phrases(["price"], accelerate=accelerate)

        assert f"accelerate must be a bool, not {shown}" == str(caught.value)

    @pytest.mark.parametrize(("accelerate", "engine"), [(False, "python"), (True, ENGINE)])
    def test_a_bool_picks_the_engine(self, accelerate, engine):
        """True takes the accelerator when installed, False the pure-Python engine."""
        assert engine == KeywordMatcher.from_mapping({"a": 1}, accelerate=accelerate).matcher.engine


class TestPhraseMatchSpan:
    def test_nfd_message(self):
        """Slicing an NFD message with the span gives the piece that matched."""
        message = unicodedata.normalize("NFD", "Eu NÃO quero")
        match = TriggerMatcher.from_phrases(["não quero"]).find(message)

        assert match is not None
        assert unicodedata.normalize("NFD", "NÃO quero") == message[slice(*match.span_in(message))]

    def test_start_end_count_folded(self):
        """``start`` and ``end`` count in the folded message, as documented."""
        match = TriggerMatcher.from_phrases(["hello"]).find("Straße! HELLO")

        assert PhraseMatch(0, "hello", 9, 14) == match
        assert (8, 13) == match.span_in("Straße! HELLO")


class TestOriginalSpan:
    @settings(deadline=None)
    @given(st.text(st.sampled_from(_TRICKY), max_size=12), st.data())
    def test_cuts_by_definition(self, text, data):
        """Any piece of the folded text maps to the span the definition of a cut gives."""
        folded = fold(text)
        start = data.draw(st.integers(0, len(folded)))
        end = data.draw(st.integers(start, len(folded)))
        cuts = cuts_by_definition(text)

        expected = (
            max(index for index, offset in cuts if offset <= start),
            min(index for index, offset in cuts if offset >= end),
        )
        assert expected == original_span(text, start, end)
