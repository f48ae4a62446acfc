"""
``python -m bench matcher``: `TriggerMatcher` against its peers.

Generated, seeded data: phrase lists of 10, 100, 1 000 and 10 000 phrases
(one to seven words of Latin with accents, Cyrillic and Greek; a fifth of
them one word, a quarter two words), and messages of about 160 characters,
a fifth of them with a phrase written in, in another case, a tenth in NFD.
At 10 000 phrases the one-word, two-word and longer phrases are also
measured alone.

Every engine starts from the message as received and gives the winner by
the same rule (longest, then earliest, then first given):

- convroute, pure Python (``accelerate=False``) and with ``ahocorasick_rs``;
- the naive loop the targets compare with: fold, ``any(p in message
  for p in phrases)``, and when one is there, the winner among those ``in`` finds;
- the same loop at C speed: ``filter(message.__contains__, phrases)``;
- one ``re`` alternation of the escaped folded phrases, longest first, in
  a lookahead so that ``finditer`` gives the longest phrase at every
  position, then ranked;
- ``pyahocorasick``: ``Automaton.iter`` (every occurrence, overlapping
  ones included) on the folded message, then ranked;
- ``ahocorasick_rs`` raw: fold, ``find_matches_as_indexes(message,
  overlapping=True)``, then the winner (the only match as it is, else
  ``min`` by ``(start - end, start, pattern)``) and its configuration
  index: what convroute's accelerated engine does, without `TriggerMatcher`
  around it or a `PhraseMatch` made.

All must agree on every message they are timed on before anything is
timed.  The engines are timed in turn, one pass over the messages each,
round after round, so that a slow spell of the machine hits all alike; the
figures are medians over the rounds.  The slow peers (the naive loops and
``re``) are timed on the first messages only, as many as take about 0.3 s.

Where the pure-Python engine's time goes is for a profiler to say:
``python -m bench matcher --profile`` runs `profile` under pyinstrument
(docs/performance.md, "Profiling").  Building each engine for 10 000 phrases is measured in a
process of its own: wall time, the tracemalloc peak (Python's heap only)
and the growth of the peak resident set (all memory, the compiled peers'
too).

Targets (docs/performance.md), at 10 000 phrases: pure Python at least 100 000
messages/s, half of pyahocorasick and 100 times the naive loop; the
accelerated engine at least 90 % of ahocorasick_rs raw; building a matcher
in at most 0.5 s and 20 MB.
"""

from __future__ import annotations

import gc
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
import tracemalloc
import unicodedata

from collections import Counter
from collections.abc import Callable, Sequence
from itertools import accumulate
from pathlib import Path

import attrs

from bench._timing import Timing, measure, table
from convroute._text import fold
from convroute.funnel import TriggerMatcher


SEED = 20261102
SIZES = (10, 100, 1_000, 10_000)
SHAPES = {"1 word": (1,), "2 words": (2,), "3-7 words": (3, 4, 5, 6, 7)}
TARGET_RATE = 100_000
TARGET_VS_PYAHOCORASICK = 0.5
TARGET_VS_NAIVE = 100
TARGET_VS_RAW = 0.9
TARGET_COMPILE_SECONDS = 0.5
TARGET_COMPILE_MB = 20

_SLOW_RUN_SECONDS = 0.3

PYTHON, FAST = "convroute, python", "convroute, ahocorasick_rs"
NAIVE, NAIVE_C, ALTERNATION = "naive any()", "naive filter()", "re alternation"
PYAHOCORASICK, RAW = "pyahocorasick", "ahocorasick_rs raw"

Found = tuple[int, int, int] | None
"""
A winner as ``(index, start, end)`` in the folded message, or ``None``.
"""

Search = Callable[[str], object]
"""
What is timed: from a message as received to its winner.
"""


@attrs.frozen
class Engine:
    """
    One way of finding the winning phrase.

    Attributes:
        name: How the tables name it.
        build: From the phrases to the search to time.
        answer: From what the search returns to a comparable `Found`.
        slow: Timed on the first messages only.
    """

    name: str
    build: Callable[[Sequence[str]], Search]
    answer: Callable[[object], Found] = attrs.field(default=lambda found: found)
    slow: bool = False


@attrs.frozen
class Measured:
    """
    The engines' timings on one phrase list.

    Attributes:
        timings: Per engine, its runs over its messages.
    """

    timings: dict[str, Timing]

    def rate(self, name: str) -> float:
        """
        Messages per second of engine *name*, from its median run.
        """
        return self.timings[name].rate

    def ratio(self, top: str, bottom: str) -> float:
        """
        How many times faster *top* is than *bottom*, from median runs.
        """
        return self.rate(top) / self.rate(bottom)


def main(quick: bool) -> None:
    """
    Measure every engine on every phrase list and print the tables.

    Args:
        quick: Fewer messages and rounds, for a smoke test.
    """
    message_count = 2_000 if quick else 10_000
    repeat = 3 if quick else 7
    engines = _engines()
    print(f"\n## Trigger matching ({_number(message_count)} messages, median of {repeat} rounds)\n")
    lists = [(f"{size:,}".replace(",", " "), size, None) for size in SIZES]
    lists += [(f"10 000, {shape}", 10_000, counts) for shape, counts in SHAPES.items()]
    measured: dict[str, Measured] = {}
    for label, size, word_counts in lists:
        data = workload(size, message_count, seed=SEED + size, word_counts=word_counts)
        if label == "10 000":
            print(data.describe() + "\n")
        measured[label] = _measure_all(engines, data, repeat)
    print(_rate_table([engine.name for engine in engines], measured))
    print()
    print(_ratio_table(measured))
    print()
    phrases = workload(10_000, 0, seed=SEED + 10_000).phrases
    costs = {
        engine.name: _compile_cost(engine.name, phrases, 1 if quick else 3) for engine in engines
    }
    print(_compile_table(costs, repeat=1 if quick else 3))
    print()
    print(_verdict(measured["10 000"], costs[PYTHON]))


def profile(quick: bool) -> Callable[[], None]:
    """
    The work ``--profile`` profiles: the pure-Python engine alone at 10 000 phrases.

    The phrases and messages are made and the matcher built beforehand, so
    that the profile shows the search alone: every message, in as many
    rounds as `main` times it.

    Args:
        quick: Fewer messages and rounds.
    """
    message_count = 2_000 if quick else 10_000
    rounds = 3 if quick else 7
    data = workload(10_000, message_count, seed=SEED + 10_000)
    find = TriggerMatcher.from_phrases(data.phrases, accelerate=False).find

    def search() -> None:
        for _ in range(rounds):
            for message in data.messages:
                find(message)

    return search


def _engines() -> list[Engine]:
    try:
        import ahocorasick
        import ahocorasick_rs
    except ImportError as error:
        raise SystemExit(f"{error.name} missing: pip install -e '.[bench]'") from None
    return [
        Engine(PYTHON, _convroute(accelerate=False), answer=_match_answer),
        Engine(FAST, _convroute(accelerate=True), answer=_match_answer),
        Engine(NAIVE, _naive, slow=True),
        Engine(NAIVE_C, _naive_filter, slow=True),
        Engine(ALTERNATION, _alternation, slow=True),
        Engine(PYAHOCORASICK, _pyahocorasick(ahocorasick)),
        Engine(RAW, _ahocorasick_rs(ahocorasick_rs)),
    ]


# --- the engines ------------------------------------------------------------


def _convroute(*, accelerate: bool) -> Callable[[Sequence[str]], Search]:
    def build(phrases: Sequence[str]) -> Search:
        matcher = TriggerMatcher.from_phrases(phrases, accelerate=accelerate)
        expected = "ahocorasick_rs" if accelerate else "python"
        if matcher.engine != expected:
            raise RuntimeError(f"matcher engine {matcher.engine}, expected {expected}")
        return matcher.find

    return build


def _match_answer(found: object) -> Found:
    if found is None:
        return None
    return found.index, found.start, found.end  # type: ignore[attr-defined]


def _lowest_index(phrases: Sequence[str]) -> dict[str, int]:
    """
    Each distinct folded phrase and the first position it was given at.
    """
    lowest: dict[str, int] = {}
    for index, phrase in enumerate(phrases):
        lowest.setdefault(fold(phrase), index)
    return lowest


def _best(message: str, found: Sequence[str], lowest: dict[str, int]) -> Found:
    best = min((-len(p), message.find(p), lowest[p]) for p in found)
    return best[2], best[1], best[1] - best[0]


def _naive(phrases: Sequence[str]) -> Search:
    lowest = _lowest_index(phrases)
    folded = tuple(lowest)

    def search(text: str) -> Found:
        message = fold(text)
        if not any(phrase in message for phrase in folded):
            return None
        return _best(message, [phrase for phrase in folded if phrase in message], lowest)

    return search


def _naive_filter(phrases: Sequence[str]) -> Search:
    lowest = _lowest_index(phrases)
    folded = tuple(lowest)

    def search(text: str) -> Found:
        message = fold(text)
        found = list(filter(message.__contains__, folded))
        return _best(message, found, lowest) if found else None

    return search


def _alternation(phrases: Sequence[str]) -> Search:
    lowest = _lowest_index(phrases)
    longest_first = sorted(lowest, key=len, reverse=True)
    pattern = re.compile("(?=(" + "|".join(map(re.escape, longest_first)) + "))")
    finditer = pattern.finditer

    def search(text: str) -> Found:
        best = None
        for match in finditer(fold(text)):
            phrase = match.group(1)
            rank = (-len(phrase), match.start(), lowest[phrase])
            if best is None or rank < best:
                best = rank
        if best is None:
            return None
        return best[2], best[1], best[1] - best[0]

    return search


def _pyahocorasick(module: object) -> Callable[[Sequence[str]], Search]:
    def build(phrases: Sequence[str]) -> Search:
        automaton = module.Automaton()  # type: ignore[attr-defined]
        for phrase, index in _lowest_index(phrases).items():
            automaton.add_word(phrase, (len(phrase), index))
        automaton.make_automaton()
        iterate = automaton.iter

        def search(text: str) -> Found:
            best = None
            for end, (length, index) in iterate(fold(text)):
                rank = (-length, end - length + 1, index)
                if best is None or rank < best:
                    best = rank
            if best is None:
                return None
            return best[2], best[1], best[1] - best[0]

        return search

    return build


def _rank(match: tuple[int, int, int]) -> tuple[int, int, int]:
    pattern, start, end = match
    return start - end, start, pattern


def _ahocorasick_rs(module: object) -> Callable[[Sequence[str]], Search]:
    def build(phrases: Sequence[str]) -> Search:
        lowest = _lowest_index(phrases)
        find_all = module.AhoCorasick(list(lowest)).find_matches_as_indexes  # type: ignore[attr-defined]
        indexes = tuple(lowest.values())

        def search(text: str) -> Found:
            matches = find_all(fold(text), True)
            if not matches:
                return None
            pattern, start, end = matches[0] if len(matches) == 1 else min(matches, key=_rank)
            return indexes[pattern], start, end

        return search

    return build


# --- measuring --------------------------------------------------------------


def _measure_all(engines: Sequence[Engine], data: Workload, repeat: int) -> Measured:
    """
    Check that all engines agree on *data*, then time them in turn.

    The first engine's answers on all messages are checked against the
    naive loop's on as many as that was timed on, and every engine's
    against the first engine's.

    Raises:
        RuntimeError: When an engine disagrees.
    """
    searches = {engine.name: engine.build(data.phrases) for engine in engines}
    messages = data.messages
    counts = {
        engine.name: _sample_size(searches[engine.name], messages) if engine.slow else len(messages)
        for engine in engines
    }
    first = engines[0]
    expected = [first.answer(searches[first.name](text)) for text in messages]
    naive, checked = _naive(data.phrases), min(counts.values())
    if [naive(text) for text in messages[:checked]] != expected[:checked]:
        raise RuntimeError(f"{first.name} disagrees with the naive loop")
    for engine in engines:
        search, count = searches[engine.name], counts[engine.name]
        if [engine.answer(search(text)) for text in messages[:count]] != expected[:count]:
            raise RuntimeError(f"{engine.name} disagrees with {first.name}")
    runs: dict[str, list[float]] = {engine.name: [] for engine in engines}
    for engine in engines:  # a pass to warm up, untimed
        _timed_pass(searches[engine.name], messages[: counts[engine.name]])
    for _ in range(repeat):
        for engine in engines:
            runs[engine.name].append(
                _timed_pass(searches[engine.name], messages[: counts[engine.name]])
            )
    return Measured(
        timings={
            name: Timing(runs=tuple(times), items=counts[name]) for name, times in runs.items()
        }
    )


def _timed_pass(search: Search, messages: Sequence[str]) -> float:
    gc.collect()
    start = time.perf_counter()
    for text in messages:
        search(text)
    return time.perf_counter() - start


def _sample_size(search: Search, messages: Sequence[str]) -> int:
    """
    How many of *messages* a slow engine handles in about `_SLOW_RUN_SECONDS`.
    """
    probe = messages[:20]
    seconds = _timed_pass(search, probe) / len(probe)
    return max(len(probe), min(len(messages), int(_SLOW_RUN_SECONDS / seconds)))


@attrs.frozen
class CompileCost:
    """
    What building an engine for one phrase list costs, in a fresh process.

    Attributes:
        seconds: Median wall time of a build.
        traced_mb: Peak of the Python heap during a build (tracemalloc),
            blind to what a compiled extension takes from the system.
        resident_mb: Growth of the process's peak resident set over the
            first build, which sees all memory.
    """

    seconds: float
    traced_mb: float
    resident_mb: float


def _compile_cost(name: str, phrases: Sequence[str], repeat: int) -> CompileCost:
    """
    Measure building engine *name* for *phrases* in a process of its own.

    The phrases go in on standard input, so that nothing but the build
    itself raises the fresh process's peak.
    """
    root = Path(__file__).resolve().parent.parent
    code = f"from bench._matcher import _report_compile; _report_compile({name!r}, {repeat})"
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        input=json.dumps(list(phrases)),
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    return CompileCost(**json.loads(done.stdout))


def _report_compile(name: str, repeat: int) -> None:
    """
    Print, as JSON, what building engine *name* for the phrases on stdin costs.
    """
    build = next(engine.build for engine in _engines() if engine.name == name)
    phrases = json.load(sys.stdin)
    gc.collect()
    before = _peak_resident_kb()
    kept = build(phrases)
    resident_kb = _peak_resident_kb() - before
    del kept
    gc.collect()
    tracemalloc.start()
    kept = build(phrases)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del kept
    seconds = measure(lambda: build(phrases), repeat=repeat).median
    cost = {"seconds": seconds, "traced_mb": traced / 2**20, "resident_mb": resident_kb / 1024}
    print(json.dumps(cost))


def _peak_resident_kb() -> int:
    """
    The process's peak resident set, in KiB.

    Linux's VmHWM, not ``ru_maxrss``: that one carries the peak of the
    process that forked this one across ``exec``.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


# --- reporting --------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _rate_table(names: Sequence[str], measured: dict[str, Measured]) -> str:
    rows = []
    for label, results in measured.items():
        most = max(timing.items for timing in results.timings.values())
        cells = []
        for name in names:
            timing = results.timings[name]
            cell = _number(timing.rate)
            cells.append(cell if timing.items == most else f"{cell} ({timing.items})")
        rows.append([label, *cells])
    note = "in brackets, how many messages a slow peer was timed on"
    return f"Messages per second ({note}):\n\n" + table(["phrases", *names], rows)


_RATIOS = (
    ("python ÷ naive any()", PYTHON, NAIVE),
    ("python ÷ naive filter()", PYTHON, NAIVE_C),
    ("python ÷ re", PYTHON, ALTERNATION),
    ("python ÷ pyahocorasick", PYTHON, PYAHOCORASICK),
    ("python ÷ ahocorasick_rs raw", PYTHON, RAW),
    ("accelerated ÷ ahocorasick_rs raw", FAST, RAW),
    ("accelerated ÷ pyahocorasick", FAST, PYAHOCORASICK),
)


def _ratio_table(measured: dict[str, Measured]) -> str:
    rows = [
        [label, *(_ratio(results.ratio(top, bottom)) for _, top, bottom in _RATIOS)]
        for label, results in measured.items()
    ]
    header = ["phrases", *(name for name, _, _ in _RATIOS)]
    return "Ratios of those rates, all measured in the same rounds:\n\n" + table(header, rows)


def _ratio(value: float) -> str:
    return f"{_number(value)}x" if value >= 10 else f"{value:.2f}x"


def _compile_table(costs: dict[str, CompileCost], repeat: int) -> str:
    rows = [
        [name, f"{cost.seconds:.3f}", f"{cost.traced_mb:.1f}", f"{cost.resident_mb:.1f}"]
        for name, cost in costs.items()
    ]
    header = ["engine", "seconds", "tracemalloc peak, MB", "peak RSS growth, MB"]
    title = f"Building for 10 000 phrases, each engine in a fresh process (median of {repeat}):"
    return f"{title}\n\n" + table(header, rows)


def _verdict(results: Measured, cost: CompileCost) -> str:
    python, share_of_raw = results.rate(PYTHON), results.ratio(FAST, RAW)
    checks = [
        (
            f"python at least {_number(TARGET_RATE)} messages/s: {_number(python)}",
            python >= TARGET_RATE,
        ),
        (
            f"python at least {TARGET_VS_PYAHOCORASICK}x pyahocorasick: "
            + _ratio(results.ratio(PYTHON, PYAHOCORASICK)),
            results.ratio(PYTHON, PYAHOCORASICK) >= TARGET_VS_PYAHOCORASICK,
        ),
        (
            f"python at least {TARGET_VS_NAIVE}x the naive any() loop: "
            + _ratio(results.ratio(PYTHON, NAIVE)),
            results.ratio(PYTHON, NAIVE) >= TARGET_VS_NAIVE,
        ),
        (
            f"accelerated at least {TARGET_VS_RAW:.0%} of ahocorasick_rs raw: {share_of_raw:.0%}",
            share_of_raw >= TARGET_VS_RAW,
        ),
        (
            f"python builds in at most {TARGET_COMPILE_SECONDS} s: {cost.seconds:.3f} s",
            cost.seconds <= TARGET_COMPILE_SECONDS,
        ),
        (
            f"python builds in at most {TARGET_COMPILE_MB} MB: {cost.traced_mb:.1f} MB",
            cost.traced_mb <= TARGET_COMPILE_MB,
        ),
    ]
    lines = [f"- {'met' if ok else 'NOT MET'}: {name}" for name, ok in checks]
    return "Targets at 10 000 phrases, all engines mixed:\n\n" + "\n".join(lines)


# --- the data ---------------------------------------------------------------


def _letters(*code_points: int) -> str:
    return "".join(map(chr, code_points))


def _syllables(consonants: str, vowels: str, extra: Sequence[str] = ()) -> tuple[str, ...]:
    return (*(c + v for c in consonants for v in vowels), *vowels, *extra)


# Pseudo-words are strings of syllables.  Latin carries the accents and
# letters of Portuguese, Spanish, French and German (ß folds to ss);
# Cyrillic and Greek letters are given by code point, which reads no worse
# than letters that look Latin.
_CYRILLIC_VOWELS = _letters(0x430, 0x435, 0x438, 0x43E, 0x443, 0x44B, 0x44E, 0x44F, 0x451)
_CYRILLIC_CONSONANTS = "".join(
    chr(c) for c in range(0x431, 0x449) if chr(c) not in _CYRILLIC_VOWELS and c != 0x439
)
_GREEK_VOWELS = _letters(0x3B1, 0x3B5, 0x3B7, 0x3B9, 0x3BF, 0x3C5, 0x3C9, 0x3AC, 0x3AD, 0x3CC)
_GREEK_CONSONANTS = _letters(0x3B2, 0x3B3, 0x3B4, 0x3B8, 0x3BA, 0x3BB, 0x3BC, 0x3BD, 0x3C0, 0x3C1)
_SYLLABLES = {
    "latin": _syllables(
        "bcdfglmnprstvz",
        "aeiou" * 4 + "áéíóúãõâêàü",
        ("ção", "ções", "são", "não", "nh", "lh", "qu", "str", "sch", "ß", "ñ", "ll", "rr"),
    ),
    "cyrillic": _syllables(_CYRILLIC_CONSONANTS, _CYRILLIC_VOWELS),
    "greek": _syllables(_GREEK_CONSONANTS, _GREEK_VOWELS, (_letters(0x3C3, 0x3C2),)),
}
_SCRIPT_SHARE = {"latin": 0.7, "cyrillic": 0.15, "greek": 0.15}
_PUNCTUATION = ("", "", "", "", ",", ".", "!", "?", ":")
_EMOJI = ("\U0001f600", "\U0001f44d", "\u2764\ufe0f", "\U0001f64f")

# How many words trigger phrases have, as in real trigger lists: a good
# share of one- and two-word phrases ("promo", "black friday").
_WORD_COUNTS = (1, 2, 3, 4, 5, 6, 7)
_WORD_COUNT_WEIGHTS = (20, 25, 20, 15, 10, 5, 5)


@attrs.frozen
class Workload:
    """
    Phrases and messages for one run of the benchmark.

    Attributes:
        phrases: Trigger phrases, in configuration order.
        messages: Messages, about 160 characters each.
        planted: How many messages had a phrase written into them.
    """

    phrases: tuple[str, ...]
    messages: tuple[str, ...]
    planted: int

    def describe(self) -> str:
        """
        One paragraph on the phrase list and the messages.
        """
        words = Counter(min(len(phrase.split()), 3) for phrase in self.phrases)
        folded = [fold(phrase) for phrase in self.phrases]
        found = sum(1 for message in map(fold, self.messages) if any(p in message for p in folded))
        share = {1: "one word", 2: "two words", 3: "three to seven"}
        shapes = ", ".join(f"{words[count]} {name}" for count, name in share.items())
        length = sum(map(len, self.messages)) / max(1, len(self.messages))
        decomposed = sum(1 for text in self.messages if not unicodedata.is_normalized("NFC", text))
        phrases, messages = _number(len(self.phrases)), _number(len(self.messages))
        return (
            f"{phrases} phrases ({shapes}); {messages} messages of "
            f"{length:.0f} characters on average, {self.planted} with a phrase written in, "
            f"{found} containing one, {decomposed} not in NFC."
        )


@attrs.frozen
class _Vocabulary:
    common: tuple[str, ...]
    content: tuple[str, ...]
    content_weights: tuple[float, ...]


def _word(rng: random.Random, script: str, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES[script]) for _ in range(syllables))


def _vocabulary(rng: random.Random, script: str) -> _Vocabulary:
    """
    Short function words and Zipf-distributed content words of one script.
    """
    common = tuple(sorted({_word(rng, script, rng.choice((1, 1, 2))) for _ in range(150)}))
    content = tuple(sorted({_word(rng, script, rng.randint(2, 4)) for _ in range(8_000)}))
    content = tuple(rng.sample(content, len(content)))
    weights = tuple(accumulate(1 / (rank + 10) for rank in range(len(content))))
    return _Vocabulary(common=common, content=content, content_weights=weights)


class _Writer:
    """
    Draws words, phrases and messages from per-script vocabularies.
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.scripts = tuple(_SCRIPT_SHARE)
        self.script_weights = tuple(_SCRIPT_SHARE.values())
        self.vocabularies = {script: _vocabulary(self.rng, script) for script in self.scripts}

    def script(self) -> str:
        return self.rng.choices(self.scripts, self.script_weights)[0]

    def filler_word(self, script: str) -> str:
        vocabulary = self.vocabularies[script]
        if self.rng.random() < 0.45:
            return self.rng.choice(vocabulary.common)
        return self.rng.choices(vocabulary.content, cum_weights=vocabulary.content_weights)[0]

    def phrase(self) -> str:
        """
        A trigger phrase: one to seven words, often a campaign word among them.
        """
        rng = self.rng
        script = self.script()
        count = rng.choices(_WORD_COUNTS, _WORD_COUNT_WEIGHTS)[0]
        if count == 1:
            # Lone words in trigger lists are campaign words and codes of
            # five characters or more, not words that turn up in any message.
            word = _word(rng, script, rng.randint(3, 5))
            if len(word) < 5 or rng.random() < 0.3:
                word += str(rng.randint(1, 99))
            return word.upper() if rng.random() < 0.3 else word
        words = [self.filler_word(script) for _ in range(count)]
        if count == 2 or rng.random() < 0.5:
            words[rng.randrange(count)] = _word(rng, script, rng.randint(3, 4))
        if rng.random() < 0.3:
            words[0] = words[0].capitalize()
        return " ".join(words)

    def message(self, phrase: str | None) -> str:
        """
        About 160 characters of filler, with *phrase* written in somewhere.
        """
        rng = self.rng
        script = self.script()
        words: list[str] = []
        while sum(map(len, words)) + len(words) < 150:
            words.append(self.filler_word(script) + rng.choice(_PUNCTUATION))
        if rng.random() < 0.3:
            words[0] = words[0].capitalize()
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words) + 1), rng.choice(_EMOJI))
        if phrase is not None:
            words.insert(rng.randrange(len(words) + 1), _as_typed(rng, phrase))
        text = " ".join(words)
        # Some phones send decomposed accents.
        return unicodedata.normalize("NFD", text) if rng.random() < 0.1 else text


def _as_typed(rng: random.Random, phrase: str) -> str:
    """
    *phrase* in the case a sender might type it.
    """
    kind = rng.randrange(4)
    if kind == 0:
        return phrase.upper()
    if kind == 1:
        return phrase.title()
    if kind == 2:
        return phrase.swapcase()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in phrase)


def workload(
    phrase_count: int,
    message_count: int,
    *,
    seed: int,
    planted_share: float = 0.2,
    word_counts: Sequence[int] | None = None,
) -> Workload:
    """
    Generate distinct phrases and messages, the same for the same arguments.

    Args:
        phrase_count: How many phrases.
        message_count: How many messages.
        seed: The seed of the generator.
        planted_share: The share of messages a phrase is written into.
        word_counts: Keep only phrases of these numbers of words.

    Returns:
        The workload.
    """
    writer = _Writer(seed)
    phrases: dict[str, str] = {}
    while len(phrases) < phrase_count:
        phrase = writer.phrase()
        if word_counts is None or len(phrase.split()) in word_counts:
            phrases.setdefault(phrase.casefold(), phrase)
    given = tuple(phrases.values())
    messages = []
    planted = 0
    for _ in range(message_count):
        phrase = None
        if writer.rng.random() < planted_share:
            phrase = writer.rng.choice(given)
            planted += 1
        messages.append(writer.message(phrase))
    return Workload(phrases=given, messages=tuple(messages), planted=planted)
