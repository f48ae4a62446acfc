"""
The one private cattrs converter that reads and writes configurations.

It is strict where cattrs is lenient by default: no ``"false"`` becomes
``True``, no ``1.9`` becomes ``1``, no ``5`` becomes ``"5"`` and no string
becomes a tuple of its letters.  Unknown keys are errors.  Every error is
reported with the path of the value, e.g. ``$.routing_rules[1].targets[0]``.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import typing

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs
import cattrs
import regex

from cattrs.cols import homogenous_tuple_structure_factory, is_sequence, mapping_structure_factory
from cattrs.errors import AttributeValidationNote, ClassValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn
from cattrs.v import format_exception

from convroute._describe import INT64_MAX, INT64_MIN, described
from convroute._frozen import unicode_text
from convroute.config._config import Config
from convroute.config._invalid import InvalidValue, describe_keys
from convroute.config._schedules import schedule_hooks
from convroute.errors import ConfigError, PhoneNumberError, TextError
from convroute.model import Phone, normalize_country_code, normalize_phone
from convroute.routing import TARGET_KINDS, Schedule, Target


# The default_country_code of the Config being read or written: cattrs hooks
# take no context, and how a phone is read depends on this top-level key.
_COUNTRY_CODE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "convroute_country_code", default=None
)
_DURATION = regex.compile(r"(?P<amount>[0-9]+)\s*(?P<unit>[smhd])")
_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
# The longest a timedelta holds, in whole days: what a duration may be.
_LONGEST_SECONDS = dt.timedelta.max.days * _UNIT_SECONDS["d"]
_LONGEST_DAYS_DIGITS = len(str(_LONGEST_SECONDS))
_TOO_LONG = f"it is longer than {dt.timedelta.max.days}d"


def parse_duration(text: str) -> dt.timedelta:
    """
    Read a duration: a whole number and a unit, e.g. ``"90s"`` or ``"7d"``.

    The units are ``s``, ``m``, ``h`` and ``d``.

    Args:
        text: The duration.

    Returns:
        The duration, always positive.

    Raises:
        ConfigError: When *text* is not such a duration or is zero.
    """
    try:
        return _parse_duration(text)
    except InvalidValue as error:
        raise ConfigError([str(error)]) from None


def format_duration(duration: dt.timedelta) -> str:
    """
    Write *duration* in the largest unit that holds it exactly: ``"24h"``.

    Args:
        duration: A positive duration of whole seconds.

    Returns:
        The duration as `parse_duration` reads it.
    """
    seconds = int(duration.total_seconds())
    for unit, size in _UNIT_SECONDS.items():
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise AssertionError  # pragma: no cover - every whole number of seconds fits "s"


def _parse_duration(value: object) -> dt.timedelta:
    if not isinstance(value, str):
        raise InvalidValue(
            f"expected a duration such as '90s', '15m', '24h' or '7d', not {described(value)}"
        )
    found = _DURATION.fullmatch(value.strip())
    if found is None:
        raise InvalidValue(
            f"invalid duration {value!r}: "
            "write a whole number and s, m, h or d, e.g. '90s' or '24h'"
        )
    amount = found["amount"].lstrip("0")
    # Compared before int() reads it: Python refuses over 4 300 digits.
    if len(amount) > _LONGEST_DAYS_DIGITS:
        raise InvalidValue(f"invalid duration {value!r}: {_TOO_LONG}")
    seconds = int(amount or "0") * _UNIT_SECONDS[found["unit"]]
    if seconds == 0:
        raise InvalidValue(f"invalid duration {value!r}: it must be longer than zero")
    if seconds > _LONGEST_SECONDS:
        raise InvalidValue(f"invalid duration {value!r}: {_TOO_LONG}")
    return dt.timedelta(seconds=seconds)


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"expected text, not {described(value)}")
    try:
        return unicode_text(value)
    except TextError as error:
        surrogate = value[error.position]
        raise InvalidValue(
            f"text holding a lone surrogate ({surrogate!r}) is not valid Unicode"
        ) from None


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"expected a whole number, not {described(value)}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise InvalidValue("expected a whole number, not one outside the signed 64-bit range")
    return value


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"expected a number, not {described(value)}")
    return float(value)


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue(f"expected true or false, not {described(value)}")
    return value


def _structure_phone(value: object, _: type) -> Phone:
    # A phone written as a bare TOML/JSON integer is unambiguous digits.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = _structure_str(value, str)
    try:
        return normalize_phone(text, country_code=_COUNTRY_CODE.get())
    except ValueError as error:
        raise InvalidValue(str(error)) from None


def _unstructure_phone(phone: Phone) -> str:
    # Bare digits would read back as a national number of the default country.
    return phone if _COUNTRY_CODE.get() is None else f"+{phone}"


def _config_hooks(
    converter: cattrs.Converter,
) -> tuple[Callable[[Any, Any], Config], Callable[[Config], Any]]:
    structure_fields = _strict_class(Config, converter)
    unstructure_fields = converter.gen_unstructure_attrs_fromdict(Config)

    def structure_config(value: object, cls: Any) -> Config:
        code = value.get("default_country_code") if isinstance(value, Mapping) else None
        if code is not None:
            code = _country_code(code)
            value = {**value, "default_country_code": code}  # type: ignore[dict-item]
        with phones_read_in(code):
            config: Config = structure_fields(value, cls)
        return config

    def unstructure_config(config: Config) -> Any:
        with phones_read_in(config.default_country_code):
            return unstructure_fields(config)

    return structure_config, unstructure_config


@contextlib.contextmanager
def phones_read_in(country_code: str | None) -> Iterator[None]:
    """
    Read (and write) the phones of a configuration in *country_code*'s country.
    """
    token = _COUNTRY_CODE.set(country_code)
    try:
        yield
    finally:
        _COUNTRY_CODE.reset(token)


def structure_country_code(raw: object) -> str:
    """
    Read an account's ``default_country_code`` as digits.

    Raises:
        ConfigError: When it is no country calling code, at its path.
    """
    try:
        return _country_code(raw)
    except ClassValidationError as error:
        messages = cattrs.transform_error(error, path="$", format_exception=_format_exception)
        raise ConfigError(messages) from None


def _country_code(value: object) -> str:
    # A bare TOML/JSON integer is unambiguous digits, as for phones.
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        return normalize_country_code(_structure_str(text, str))
    except (InvalidValue, PhoneNumberError):
        problem = InvalidValue(
            f"expected a country calling code such as '44' or '1', not {described(value)}"
        )
    problem.__notes__ = [
        AttributeValidationNote("in 'default_country_code'", "default_country_code", str)
    ]
    raise ClassValidationError("invalid config", [problem], Config)


def _structure_duration(value: object, _: type) -> dt.timedelta:
    return _parse_duration(value)


def _structure_target(value: object, _: type) -> Target:
    if not isinstance(value, Mapping):
        raise InvalidValue(f"expected a table with a 'kind', not {described(value)}")
    kinds = ", ".join(sorted(TARGET_KINDS))
    if "kind" not in value:
        raise InvalidValue(f"a target needs a 'kind', one of: {kinds}")
    kind = value["kind"]
    target_class = TARGET_KINDS.get(kind) if isinstance(kind, str) else None
    if target_class is None:
        error = InvalidValue(f"unknown target kind {kind!r}, expected one of: {kinds}")
        error.__notes__ = [AttributeValidationNote("in 'kind'", "kind", str)]
        raise ClassValidationError("invalid target", [error], Target)  # type: ignore[arg-type]
    fields = {key: item for key, item in value.items() if key != "kind"}
    return _CONVERTER.structure(fields, target_class)


def _tagged_target(cls: type[Target], converter: cattrs.Converter) -> Callable[[Any], Any]:
    unstructure_fields = make_dict_unstructure_fn(cls, converter)

    def unstructure_target(target: Target) -> dict[str, Any]:
        return {"kind": cls.kind, **unstructure_fields(target)}

    return unstructure_target


def _strict_tuple(tuple_type: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    structure = homogenous_tuple_structure_factory(tuple_type, converter)

    def structure_strict_tuple(value: object, _: Any) -> Any:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
            raise InvalidValue(f"expected a list, not {described(value)}")
        return structure(value, tuple_type)

    return structure_strict_tuple


def _strict_mapping(mapping_type: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    structure = mapping_structure_factory(mapping_type, converter)

    def structure_strict_mapping(value: object, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"expected a table, not {described(value)}")
        return structure(value, mapping_type)

    return structure_strict_mapping


def _strict_class(cls: type[Any], converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    structure = make_dict_structure_fn(cls, converter)

    def structure_strict_class(value: object, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"expected a table, not {described(value)}")
        return structure(value, cls)

    return structure_strict_class


def _strict_literal(literal_type: Any, _: cattrs.Converter) -> Callable[[Any, Any], Any]:
    allowed = typing.get_args(literal_type)
    choices = ", ".join(repr(choice) for choice in allowed)

    def structure_literal(value: object, _: Any) -> Any:
        if not isinstance(value, str) or value not in allowed:
            raise InvalidValue(f"expected one of {choices}, not {described(value)}")
        return value

    return structure_literal


def _is_homogeneous_tuple(type_: Any) -> bool:
    args = typing.get_args(type_)
    return is_sequence(type_) and len(args) == 2 and args[1] is Ellipsis


def _is_mapping(type_: Any) -> bool:
    return typing.get_origin(type_) in (Mapping, dict, typing.Mapping)


def _is_literal(type_: Any) -> bool:
    return typing.get_origin(type_) is Literal


def _is_target(type_: Any) -> bool:
    return isinstance(type_, type) and type_ in TARGET_KINDS.values()


def _format_exception(error: BaseException, type_: type | None) -> str:
    if isinstance(error, InvalidValue):
        return str(error)
    if isinstance(error, KeyError):
        return "required key missing"
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        return f"unknown key(s): {describe_keys(error.extra_fields)}"
    return format_exception(error, type_)


def _make_converter() -> cattrs.Converter:
    # forbid_extra_keys must be set before any hook is generated.
    converter = cattrs.Converter(
        forbid_extra_keys=True,
        omit_if_default=True,
        unstruct_collection_overrides={Sequence: list, Mapping: dict},
    )
    converter.register_structure_hook_factory(attrs.has, _strict_class)
    converter.register_structure_hook_factory(_is_homogeneous_tuple, _strict_tuple)
    converter.register_structure_hook_factory(_is_mapping, _strict_mapping)
    converter.register_structure_hook_factory(_is_literal, _strict_literal)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(Phone, _structure_phone)
    converter.register_structure_hook(dt.timedelta, _structure_duration)
    converter.register_unstructure_hook(dt.timedelta, format_duration)
    converter.register_structure_hook(Target, _structure_target)
    converter.register_unstructure_hook_factory(_is_target, _tagged_target)
    converter.register_unstructure_hook(Phone, _unstructure_phone)
    structure_schedule, unstructure_schedule = schedule_hooks(converter)
    converter.register_structure_hook(Schedule, structure_schedule)
    converter.register_unstructure_hook(Schedule, unstructure_schedule)
    # Last: the Config hooks are generated from every hook above.
    structure_config, unstructure_config = _config_hooks(converter)
    converter.register_structure_hook(Config, structure_config)
    converter.register_unstructure_hook(Config, unstructure_config)
    return converter


_CONVERTER = _make_converter()


def structure(raw: object, type_: Any, path: str = "$") -> Any:
    """
    Build a value of *type_* from the raw configuration data at *path*.

    Raises:
        ConfigError: With every problem cattrs found, each with its path.
    """
    try:
        return _CONVERTER.structure(raw, type_)
    except Exception as error:  # noqa: BLE001 - every failure becomes a readable ConfigError
        messages = cattrs.transform_error(error, path=path, format_exception=_format_exception)
        raise ConfigError(messages) from None


def unstructure(value: Any) -> Any:
    """
    Turn a configuration value into plain data for TOML, JSON or YAML.
    """
    return _CONVERTER.unstructure(value)
