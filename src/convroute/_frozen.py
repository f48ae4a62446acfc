"""
Named converters and validators shared by frozen value objects.
"""

from __future__ import annotations

import datetime as dt
import re
import types

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

import attrs

from convroute._arguments import field_name, refuse_one_text, shown, wrong_type
from convroute.errors import TextError, TimeRangeError


_V = TypeVar("_V")


# Each converter has concrete types: mypy's attrs plugin cannot carry a
# generic converter's type over to the generated __init__.


def str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    """
    Freeze an iterable of strings into a tuple.

    Raises:
        TypeError: When *values* is one string: ``("u-asha")``, a missing
            comma, would otherwise become a tuple of its letters.
    """
    refuse_one_text(values, None, "a sequence of strings")
    return tuple(values)


def unicode_text(text: str) -> str:
    """
    Refuse text that holds a lone surrogate: the one check of text entering.

    Raises:
        TypeError: When *text* is not a ``str`` at all.
        TextError: When *text* is not Unicode text.
    """
    if not isinstance(text, str):
        # A script's None or number, said here rather than as an AttributeError.
        raise TypeError(f"expected text (a str), not {text!r}")
    # ASCII, by far the most common, is known without looking at the text.
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise TextError(text, error.start) from None
    return text


def optional_unicode_text(text: str | None) -> str | None:
    """
    Refuse text that holds a lone surrogate; ``None`` passes.

    Raises:
        TextError: When *text* is not Unicode text.
    """
    return None if text is None else unicode_text(text)


def named_text(text: object, name: str) -> str:
    """
    *text*, when it is Unicode text; *name* says whose it is in the error.

    Raises:
        TypeError: Naming *name*, when *text* is not a ``str``.
        TextError: When it holds a lone surrogate.
    """
    if not isinstance(text, str):
        raise wrong_type(name, text, "a str")
    return unicode_text(text)


def unicode_text_field(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    """
    An attrs validator: the field holds Unicode text.

    Raises:
        TypeError: Naming the class and field, when it holds no ``str``.
        TextError: When the text holds a lone surrogate.
    """
    if type(value) is not str or not value.isascii():
        named_text(value, field_name(instance, attribute))


def optional_unicode_text_field(
    instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    """
    An attrs validator: the field holds Unicode text or ``None``.

    Raises:
        TypeError: Naming the class and field, when it holds neither.
        TextError: When the text holds a lone surrogate.
    """
    if value is None or (type(value) is str and value.isascii()):
        return
    if not isinstance(value, str):
        raise wrong_type(field_name(instance, attribute), value, "a str or None")
    unicode_text(value)


def optional_language_field(
    instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    """
    An attrs validator: the field holds a BCP 47 language tag or ``None``.

    Raises:
        TypeError: Naming the class and field, when it holds no ``str``.
        ValueError: When the text is not such a tag.
    """
    if value is None:
        return
    if not isinstance(value, str):
        raise wrong_type(field_name(instance, attribute), value, "a str or None")
    language_tag(value)


def text_tuple(values: object, name: str) -> tuple[str, ...]:
    """
    Freeze a sequence of strings into a tuple; *name* says whose it is in the errors.

    Raises:
        TypeError: Naming *name*, when *values* is one string or not
            iterable, and naming the item's place when one is not a ``str``.
    """
    refuse_one_text(values, name, "a sequence of str")
    if isinstance(values, Mapping) or not isinstance(values, Iterable):
        raise wrong_type(name, values, "a sequence of str")
    frozen = tuple(values)
    for index, item in enumerate(frozen):
        if not isinstance(item, str):
            raise wrong_type(f"{name}[{index}]", item, "a str")
    return frozen


def text_mapping(mapping: object, name: str) -> Mapping[str, str]:
    """
    Copy a mapping of text to text into a read-only one; *name* says whose it is in the errors.

    Raises:
        TypeError: Naming *name*, when *mapping* is no mapping, or a key or
            a value (by its key) is not a ``str``.
        TextError: When a key or a value is not Unicode text.
    """
    return types.MappingProxyType(
        {
            key: named_text(value, f"{name}[{key!r}]")
            for key, value in _items(mapping, name, "a mapping of str to str")
        }
    )


def choices_mapping(mapping: object, name: str) -> Mapping[str, tuple[str, ...]]:
    """
    Copy a mapping of choices into a read-only mapping of tuples; *name* says whose it is.

    Raises:
        TypeError: Naming *name*, when *mapping* is no mapping, a key is not
            a ``str``, or a key's choices are not a sequence of ``str``.
    """
    return types.MappingProxyType(
        {
            key: text_tuple(choices, f"{name}[{key!r}]")
            for key, choices in _items(mapping, name, "a mapping of str to sequences of str")
        }
    )


def _items(mapping: object, name: str, expected: str) -> Iterable[tuple[str, object]]:
    # The items of a mapping whose keys are text, each key checked.
    if not isinstance(mapping, Mapping):
        raise wrong_type(name, mapping, expected)
    return [(_key(key, name), value) for key, value in mapping.items()]


def _key(key: object, name: str) -> str:
    # A key of the mapping *name*, when it is Unicode text.
    if not isinstance(key, str):
        raise TypeError(f"{name} must have str keys, not {shown(key)}")
    return unicode_text(key)


# Loose on purpose: a language subtag of letters, then subtags of letters
# and digits, each 1 to 8 long, joined by hyphens (BCP 47's shape, without
# its registry).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


def language_tag(tag: str) -> str:
    """
    Refuse text that is not shaped like a BCP 47 language tag (``pt-BR``).

    The tag is kept as written; tags are compared ignoring case.

    Raises:
        ValueError: When *tag* is not such a tag.
    """
    if not isinstance(tag, str) or not _LANGUAGE_TAG.fullmatch(tag):
        raise ValueError(
            f"language {tag!r} is not a BCP 47 tag such as 'pt' or 'pt-BR': "
            "letters, then subtags of letters and digits joined by '-'"
        )
    return tag


def read_only_mapping(mapping: Mapping[str, _V]) -> Mapping[str, _V]:
    """
    Copy a mapping into a read-only mapping nobody else holds.
    """
    return types.MappingProxyType(dict(mapping))


def aware(value: dt.datetime, name: str) -> dt.datetime:
    """
    Refuse a naive datetime: the one check that a time carries its zone.

    Args:
        value: The datetime.
        name: The argument's or field's name, for the message.

    Returns:
        *value*.

    Raises:
        TypeError: When *value* is no datetime (text, a date).
        ValueError: When *value* has no time zone.
    """
    if not isinstance(value, dt.datetime):
        raise wrong_type(name, value, "a datetime.datetime")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone): {value}")
    return value


def fixed_offset(value: dt.datetime) -> dt.datetime:
    """
    An aware datetime as the same instant, its zone its offset then: an attrs converter.

    Python compares and subtracts two datetimes of one `zoneinfo.ZoneInfo`
    by their wall clocks: from 12:00 on the day before a change to winter
    time, 11:45 the next day is 23 h 45 min on, though 24 h 45 min have
    passed.  With the offset as the zone, every comparison and sum is in
    elapsed time, as with times in UTC, and as the stores give times back.
    The offset, and so the text of the time, is unchanged; a named offset
    loses its name, as its text read back would.  Anything else (no
    datetime, no zone, a `plain_offset` already) is given back as it is,
    for the validators to judge.
    """
    if isinstance(value, dt.datetime) and not plain_offset(value.tzinfo):
        offset = value.utcoffset()
        if offset is not None:
            return value.replace(tzinfo=dt.timezone(offset), fold=0)
    return value


def optional_fixed_offset(value: dt.datetime | None) -> dt.datetime | None:
    """
    `fixed_offset` of a datetime, or ``None``: an attrs converter.
    """
    return None if value is None else fixed_offset(value)


def plain_offset(zone: dt.tzinfo | None) -> bool:
    """
    Whether *zone* is an offset and nothing more, or no zone: what ISO 8601 text reads back as.

    That is `datetime.timezone` with no name (`datetime.UTC` among them);
    a `zoneinfo.ZoneInfo` has rules, a named offset a name.
    """
    if zone is None or zone is dt.UTC:
        return True
    # (typeshed does not list `__getinitargs__`, which both datetime
    # modules define: the cheapest way to see that no name was given)
    return type(zone) is dt.timezone and len(cast("Any", zone).__getinitargs__()) == 1


def require_aware(
    instance: object, attribute: attrs.Attribute[Any], value: dt.datetime | None
) -> None:
    """
    Refuse a naive datetime (``None`` passes): an attrs validator.

    Raises:
        TypeError: Naming the class and field, when *value* is no datetime.
        ValueError: When *value* has no time zone.
    """
    if value is not None:
        if not isinstance(value, dt.datetime):
            raise wrong_type(field_name(instance, attribute), value, "a datetime")
        aware(value, attribute.name)


def require_aware_time(
    instance: object, attribute: attrs.Attribute[Any], value: dt.datetime
) -> None:
    """
    Refuse anything but an aware datetime (``None`` too): an attrs validator.

    Raises:
        TypeError: Naming the class and field, when *value* is no datetime.
        ValueError: When *value* has no time zone.
    """
    if not isinstance(value, dt.datetime):
        raise wrong_type(field_name(instance, attribute), value, "a datetime")
    aware(value, attribute.name)


# Events: a day inside each end, as an event's time is reckoned with at
# most a day either side of it (a 24-hour timeout, another zone's date).
# Other times: a UTC time inside the calendar, that stores can read back.
_FIRST_EVENT_TIME = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
_AFTER_LAST_EVENT_TIME = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
_FIRST_TIME = dt.datetime.min.replace(tzinfo=dt.UTC)
_LAST_TIME = dt.datetime.max.replace(tzinfo=dt.UTC)
# An offset is less than a day: only a time in year 1 or 9999 can be
# outside these in UTC.
_END_YEARS = frozenset({1, 9999})


def require_event_time(
    _instance: object, _attribute: attrs.Attribute[Any], value: dt.datetime
) -> None:
    """
    Refuse an event time within a day of the calendar's ends: an attrs validator.

    Naive datetimes pass (`require_aware` refuses them).

    Raises:
        TimeRangeError: When *value* is before 0001-01-02 or after
            9999-12-30 in UTC.
    """
    event_time(value, "events")


def event_time(value: dt.datetime, what: str = "times") -> dt.datetime:
    """
    Refuse a time within a day of the calendar's ends, as events' times are.

    Naive datetimes pass (`aware` refuses them).

    Args:
        value: The time.
        what: What is taken, for the message, e.g. ``"events"``.

    Returns:
        *value*.

    Raises:
        TimeRangeError: When *value* is before 0001-01-02 or after
            9999-12-30 in UTC.
    """
    # Comparing aware datetimes never overflows, even for those whose UTC
    # time is past year 9999.
    if (
        value.year in _END_YEARS
        and value.utcoffset() is not None
        and not _FIRST_EVENT_TIME <= value < _AFTER_LAST_EVENT_TIME
    ):
        raise TimeRangeError(value, f"{what} from 0001-01-02 to 9999-12-30 (UTC)")
    return value


def require_utc_time(
    instance: object, attribute: attrs.Attribute[Any], value: dt.datetime | None
) -> None:
    """
    Refuse an aware datetime whose UTC time is outside the calendar: an attrs validator.

    ``None`` and naive datetimes pass.

    Raises:
        TypeError: Naming the class and field, when *value* is no datetime.
        TimeRangeError: For e.g. 9999-12-31T23:00-05:00, past year 9999 in
            UTC.
    """
    if value is not None and not isinstance(value, dt.datetime):
        raise wrong_type(field_name(instance, attribute), value, "a datetime or None")
    if (
        value is not None
        and value.year in _END_YEARS
        and value.utcoffset() is not None
        and not _FIRST_TIME <= value <= _LAST_TIME
    ):
        raise TimeRangeError(value, "times from 0001-01-01 to 9999-12-31 (UTC)")
