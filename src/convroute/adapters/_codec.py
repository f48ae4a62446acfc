"""
The private cattrs converter that turns stored values into JSON and back.

Stores keep whole frozen values (conversations with their menus, funnel
records, opportunities, turn records, users, outbox items); the columns a
store queries on sit beside the JSON.  Datetimes are ISO 8601 strings with
their offset (``2026-11-02T09:30:00+05:30``), so a value comes back exactly
as it went in: ``structure(unstructure(value), type(value)) == value``.

The converter is its own, never cattrs' global one, and strict about the
basic types: a stored value of the wrong type is bad state, not something
to coerce.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import threading
import typing

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import attrs
import cattrs
import cattrs.gen

from convroute._describe import kind_of
from convroute._frozen import plain_offset
from convroute.errors import MenuError, StoreError
from convroute.funnel import Transition
from convroute.menus import Display, Menu, MenuOption, distinct_titles
from convroute.model import Lead, Opportunity, User
from convroute.routing import TurnRecord
from convroute.state import Conversation


__all__ = ["RecentValues", "dumps", "loads", "structure", "unstructure"]

_T = TypeVar("_T")


def unstructure(value: object) -> Any:
    """
    Turn a stored value into JSON-ready values: dicts, lists, strings, numbers.

    Args:
        value: A frozen value, e.g. a `Conversation`.

    Returns:
        Its JSON-ready form.
    """
    return _CONVERTER.unstructure(value)


def structure(data: Any, cls: type[_T]) -> _T:
    """
    Build a stored value back from its JSON-ready form.

    Args:
        data: What `unstructure` gave.
        cls: The value's class.

    Returns:
        The value.

    Raises:
        StoreError: When *data* is not a valid *cls*.
    """
    try:
        return _CONVERTER.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        problems = "; ".join(cattrs.transform_error(exc, format_exception=_problem))
    # The errors inside may quote the value (a phone, a message's text),
    # and a traceback of this one would show them: its message names each
    # bad value's kind and path, which is all a reader needs.
    raise StoreError(f"a stored {cls.__name__} cannot be read: {problems}")


def dumps(value: object) -> str:
    """
    Write a stored value as compact JSON text.

    Args:
        value: A frozen value.

    Returns:
        JSON text; `loads` reads it back.
    """
    return _ENCODER.encode(_TEXT_CONVERTER.unstructure(value))


def loads(text: str, cls: type[_T]) -> _T:
    """
    Read a stored value from the JSON text `dumps` wrote.

    Args:
        text: The JSON text.
        cls: The value's class.

    Returns:
        The value.

    Raises:
        StoreError: When *text* is not JSON of a valid *cls*.
    """
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"a stored {cls.__name__} is not JSON: {exc}") from exc
    return structure(data, cls)


class RecentValues:
    """
    The values one store wrote or read lately, by class and JSON text.

    A value read back as it was written (a lead's conversation, saved by
    one event and read by its next) is not decoded again: the store gives
    back the value it was given, as the in-memory store does, and a text
    read before gives the value it gave then.  Keyed by the whole text,
    a value is never stale: a row changed by another process reads as
    other text.  Only values frozen all the way down are kept (never an
    outbox item, whose body is a dict), their text at most `LONGEST`
    characters, at most `MOST` of them, the least lately used forgotten
    first.  A value written with a time its text would read back as
    another (in a zone such as ``America/New_York``, whose day before a
    change of clocks is not 24 hours) is not kept when written: its first
    read keeps what its text reads as.  Safe to share between threads:
    a lock guards the table (uncontended, a fraction of a microsecond).
    """

    MOST = 1024
    LONGEST = 4_096
    # Frozen all the way down: tuples, read-only mappings, frozen values.
    KEPT: frozenset[type] = frozenset(
        {Conversation, Lead, Opportunity, Transition, TurnRecord, User}
    )

    __slots__ = ("_lock", "_values")

    def __init__(self) -> None:
        self._values: collections.OrderedDict[tuple[type, str], object] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def loads(self, text: str, cls: type[_T]) -> _T:
        """
        Read a stored value from its JSON text, as `loads` does.

        Raises:
            StoreError: When *text* is not JSON of a valid *cls*.
        """
        key = (cls, text)
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
                return cast("_T", found)
        value = loads(text, cls)
        self._keep(key, value)
        return value

    def dumps(self, value: object) -> str:
        """
        Write a stored value as JSON text, as `dumps` does.
        """
        text = dumps(value)
        if _reads_back_as_given(value):
            self._keep((type(value), text), value)
        return text

    def forget(self) -> None:
        """
        Forget every value kept (a lead's erasure: no copy of its data stays here).
        """
        with self._lock:
            self._values.clear()

    def _keep(self, key: tuple[type, str], value: object) -> None:
        if key[0] not in self.KEPT or len(key[1]) > self.LONGEST:
            return
        with self._lock:
            values = self._values
            values[key] = value
            if len(values) > self.MOST:
                values.popitem(last=False)


def _reads_back_as_given(value: object) -> bool:
    # Whether every time of *value* is one its ISO 8601 text reads back as:
    # naive, or at a `plain_offset`.  A zone's time (a `ZoneInfo`) reads
    # back at its offset, and adding a day to it would then give another
    # instant; a named offset reads back with another name.  (`fold` is
    # not read back either, but changes nothing at a plain offset.)  A
    # value's times mostly share one zone: each zone is looked at once.
    plain: object = dt.UTC
    for name in _TIMES.get(type(value), ()):
        time = getattr(value, name)
        if time is None:
            continue
        if type(time) is not dt.datetime:
            return False
        zone = time.tzinfo
        if zone is plain:
            continue
        if not plain_offset(zone):
            return False
        plain = zone
    return True


def _times_of(cls: type) -> tuple[str, ...]:
    # The fields of *cls* that hold a time, read from its type hints.
    hints = typing.get_type_hints(cls)
    return tuple(
        field.name
        for field in attrs.fields(cls)
        if dt.datetime in (hints[field.name], *typing.get_args(hints[field.name]))
    )


# The times of each kind kept (a conversation's, a record's, an
# opportunity's); the values inside them (a menu) hold none.
_TIMES: Mapping[type, tuple[str, ...]] = {cls: _times_of(cls) for cls in RecentValues.KEPT}


class _WrongStoredValueError(TypeError):
    """
    A stored value of the wrong kind, in a message that never quotes it.
    """


def _problem(exc: BaseException, cls: type | None) -> str:
    # cattrs' own wording, but never the text of an exception that may
    # quote the value (its "invalid type (…)" and "unknown error (…)").
    if isinstance(exc, _WrongStoredValueError):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, TypeError | ValueError):
        return "invalid value" if cls is None else f"invalid value, expected {_named(cls)}"
    if isinstance(exc, AttributeError):
        # cattrs reads a mapping through its items(): anything else has none.
        return "expected a mapping"
    return f"unknown error ({type(exc).__name__})"


def _named(cls: type) -> str:
    return getattr(cls, "__name__", None) or repr(cls)


def _structure_datetime(value: object, _: type) -> dt.datetime:
    if not isinstance(value, str):
        raise _WrongStoredValueError(f"expected an ISO 8601 datetime, not {kind_of(value)}")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise _WrongStoredValueError(
            "expected an ISO 8601 datetime, not text of another form"
        ) from None


def _unstructure_datetime(value: dt.datetime) -> str:
    return value.isoformat()


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _WrongStoredValueError(f"expected text, not {kind_of(value)}")
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _WrongStoredValueError(f"expected a whole number, not {kind_of(value)}")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _WrongStoredValueError(f"expected true or false, not {kind_of(value)}")
    return value


# What JSON holds as it is, and cattrs passes through as it is.
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
_JSON_OBJECT = Mapping[str, Any]
# What the encoder writes itself.
_JSON_WRITTEN = _JSON_SCALARS | {dict, list, tuple}


def _unstructure_any(value: Any) -> Any:
    # What cattrs makes of a value typed Any (it looks at the value's class),
    # taken straight for the plain JSON values an outbox item's body holds:
    # cattrs' own dispatch costs more than the copy.  Anything else goes to
    # cattrs, as before.
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is dict:
        return {_unstructure_any(key): _unstructure_any(item) for key, item in value.items()}
    if kind is list:
        return [_unstructure_any(item) for item in value]
    return _CONVERTER.unstructure(value)


def _unstructure_json_object(value: Mapping[str, Any]) -> dict[str, Any]:
    # A Mapping[str, Any] field: keys as they are, values by their class.
    return {key: _unstructure_any(item) for key, item in value.items()}


def _make_converter() -> cattrs.Converter:
    # Extra keys are passed over: a value written by a later version with
    # one more optional field still reads.  Sequences and mappings come out
    # as lists and dicts, whatever read-only form the value holds them in.
    converter = cattrs.Converter(unstruct_collection_overrides={Sequence: list, Mapping: dict})
    converter.register_structure_hook(dt.datetime, _structure_datetime)
    converter.register_unstructure_hook(dt.datetime, _unstructure_datetime)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_unstructure_hook_func(
        lambda cls: cls == _JSON_OBJECT, _unstructure_json_object
    )
    converter.register_structure_hook(Menu, _menu_structurer(converter))
    return converter


def _menu_structurer(converter: cattrs.Converter) -> Callable[[Any, type[Menu]], Menu]:
    # A stored menu is one that was sent: it reads back even when titles
    # compared more strictly since it was built repeat each other now
    # (they get a suffix, as a menu built today would).  Any other problem
    # is bad state, as for every stored value.
    as_built = cattrs.gen.make_dict_structure_fn(Menu, converter)

    def structure_menu(data: Any, cls: type[Menu]) -> Menu:
        try:
            return as_built(data, cls)
        except cattrs.ClassValidationError as exc:
            if not any(isinstance(inner, MenuError) for inner in exc.exceptions):
                raise
            # The menu refused itself once every field was read: its
            # layout is one of Display's, its options are options.
            options = converter.structure(data["options"], tuple[MenuOption, ...])
            layout = cast("Display", data["layout"])
            titled = converter.unstructure(distinct_titles(options, layout))
            return as_built({**data, "options": titled}, cls)

    return structure_menu


def _as_written(value: Mapping[str, Any]) -> Mapping[str, Any]:
    # A Mapping[str, Any] field on its way to JSON text: handed to the
    # encoder as it is, which writes the plain values in it itself (in C)
    # and asks `_json_default` for anything else.
    return value


def _json_default(value: object) -> Any:
    # What the encoder cannot write itself, met inside a value typed Any:
    # a read-only mapping, or a value cattrs unstructures (as
    # `_unstructure_any` would have).  What neither knows is refused.
    if isinstance(value, Mapping):
        return dict(value)
    unstructured = _CONVERTER.unstructure(value)
    if type(unstructured) in _JSON_WRITTEN:
        return unstructured
    # Given back again, it would come back here for ever (a set).
    raise TypeError(f"{type(value).__name__} is not JSON")


_CONVERTER = _make_converter()

# The converter `dumps` uses: the same, but a Mapping[str, Any] field (an
# outbox item's body, JSON values already) is not copied value by value
# before the encoder walks it again.  The text is the same (tested).
_TEXT_CONVERTER = _CONVERTER.copy()
_TEXT_CONVERTER.register_unstructure_hook_func(lambda cls: cls == _JSON_OBJECT, _as_written)

# json.dumps(value, ensure_ascii=False, separators=(",", ":")), with the
# encoder made once: json.dumps makes a new one per call when given options.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default)
