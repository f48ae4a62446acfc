"""
Checks of the arguments a public function is given, each error naming the argument.

Used where a bot script calls in with plain values: a wrong type is told
there, as a `TypeError` saying which argument and what it should be, and
never surfaces later as an `AttributeError` from deep inside.  Hot
functions test `isinstance` inline and call `wrong_type` only to fail.
The attrs validators (``…_field``) name the class and the field:
``User.id must be a str, not 1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs


_T = TypeVar("_T")


def wrong_type(name: str, value: object, expected: str) -> TypeError:
    """
    The error for *value* given as the argument *name*, which expects *expected*.

    Args:
        name: The argument, as the caller wrote it (``text``, ``options``).
        value: What was given.
        expected: What the argument takes, in words (``a str``).

    Returns:
        The error to raise, its message naming the argument and the value.
    """
    return TypeError(f"{name} must be {expected}, not {shown(value)}")


def text_argument(value: object, name: str) -> str:
    """
    *value*, when it is a ``str``.

    Raises:
        TypeError: Naming *name*, when it is not.
    """
    if not isinstance(value, str):
        raise wrong_type(name, value, "a str")
    return value


def optional_text_argument(value: object, name: str) -> str | None:
    """
    *value*, when it is a ``str`` or ``None``.

    Raises:
        TypeError: Naming *name*, when it is neither.
    """
    if value is not None and not isinstance(value, str):
        raise wrong_type(name, value, "a str or None")
    return value


def sequence_argument(value: Sequence[_T], name: str, items: str) -> Sequence[_T]:
    """
    *value*, when it is a sequence (a list, a tuple…) that is not text.

    A ``str`` is a sequence of strings and a mapping iterates over its
    keys: both would be read as something else than what was meant.

    Args:
        value: What was given.
        name: The argument's name.
        items: What the sequence holds, in words (``labels``).

    Raises:
        TypeError: Naming *name*, when *value* is text, a mapping or not a
            sequence.
    """
    refuse_one_text(value, name, f"a sequence of {items}")
    if not isinstance(value, Sequence):
        raise wrong_type(name, value, f"a sequence (a list or tuple) of {items}")
    return value


def iterable_argument(value: Iterable[_T], name: str, items: str) -> Iterable[_T]:
    """
    *value*, when it is an iterable that is neither text nor a mapping.

    Raises:
        TypeError: Naming *name*, when *value* is text, a mapping or not
            iterable.
    """
    refuse_one_text(value, name, f"an iterable of {items}")
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise wrong_type(name, value, f"an iterable of {items}")
    return value


def instance_argument(value: object, kind: type[_T], name: str) -> _T:
    """
    *value*, when it is a *kind*.

    Raises:
        TypeError: Naming *name*, when it is not.
    """
    if not isinstance(value, kind):
        raise wrong_type(name, value, f"a {kind.__name__}")
    return value


def field_name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    """
    How a validator names the field it checks: ``User.id``.
    """
    return f"{type(instance).__name__}.{attribute.name}"


def text_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """
    An attrs validator: the field holds a ``str``.

    Raises:
        TypeError: Naming the class and field, when it does not.
    """
    if not isinstance(value, str):
        raise wrong_type(field_name(instance, attribute), value, "a str")


def optional_text_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """
    An attrs validator: the field holds a ``str`` or ``None``.

    Raises:
        TypeError: Naming the class and field, when it does not.
    """
    if value is not None and not isinstance(value, str):
        raise wrong_type(field_name(instance, attribute), value, "a str or None")


def texts_field(
    instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[object, ...]
) -> None:
    """
    An attrs validator: the field, already a tuple, holds only ``str`` items.

    Raises:
        TypeError: Naming the class, the field and the item's place, when
            one is not.
    """
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise wrong_type(f"{field_name(instance, attribute)}[{index}]", item, "a str")


def bool_field(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    """
    An attrs validator: the field holds a ``bool``.

    Raises:
        TypeError: Naming the class and field, when it does not (``"no"``, ``0``).
    """
    if not isinstance(value, bool):
        raise wrong_type(field_name(instance, attribute), value, "a bool")


def int_field(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    """
    An attrs validator: the field holds an ``int`` (not a ``bool``).

    Raises:
        TypeError: Naming the class and field, when it does not.
    """
    if type(value) is not int and (not isinstance(value, int) or isinstance(value, bool)):
        raise wrong_type(field_name(instance, attribute), value, "an int")


def optional_int_field(
    instance: object, attribute: attrs.Attribute[int | None], value: object
) -> None:
    """
    An attrs validator: the field holds an ``int`` (not a ``bool``) or ``None``.

    Raises:
        TypeError: Naming the class and field, when it does not.
    """
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise wrong_type(field_name(instance, attribute), value, "an int or None")


def mapping_field(
    instance: object, attribute: attrs.Attribute[Mapping[str, Any]], value: object
) -> None:
    """
    An attrs validator: the field holds a mapping.

    Raises:
        TypeError: Naming the class and field, when it does not.
    """
    if not isinstance(value, Mapping):
        raise wrong_type(field_name(instance, attribute), value, "a mapping")


def refuse_one_text(value: object, name: str | None, expected: str) -> None:
    """
    Refuse one ``str`` or ``bytes`` where *expected*, a sequence, is.

    Iterated, it would give its letters: ``("u-asha")``, a one-item tuple
    missing its comma, is just a string.

    Args:
        value: What was given.
        name: The argument or field, when known, for the message.
        expected: What it takes, in words (``a sequence of ids``).

    Raises:
        TypeError: When *value* is text.
    """
    if isinstance(value, str | bytes):
        start = f"{name} must be" if name is not None else "expected"
        raise TypeError(
            f"{start} {expected}, not the single {type(value).__name__} {value!r}:"
            f" write [{value!r}]"
        )


def shown(value: object) -> str:
    """
    *value* as an error message shows what was given, on one line.

    Text is shown with its type, so that "the str 'desk'" reads as a name
    given for a value; anything else by its repr, cut to stay one line.
    """
    if isinstance(value, str):
        return f"the str {_cut(repr(value))}"
    if isinstance(value, Mapping):
        return f"a {type(value).__name__} {_cut(repr(value))}"
    return _cut(repr(value))


def _cut(text: str) -> str:
    return text if len(text) <= 80 else f"{text[:77]}..."
