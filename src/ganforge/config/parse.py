"""Config <-> plain dicts, YAML files and `key=value` overrides, all strict.

Every unknown key and every value of the wrong type is a :class:`ConfigError` that names the valid choices:

    ConfigError: unknown key 'train.step'; did you mean 'train.steps'? known: batch_size, ckpt_every, ...
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml

from .schema import Config


class ConfigError(ValueError):
    """A config key or value that cannot be used; the message says what would be valid."""


def to_dict(cfg: Any) -> dict[str, Any]:
    """A plain, YAML/JSON-friendly nested dict of a config dataclass."""
    return dataclasses.asdict(cfg)


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Check `value` against the annotation `tp`, converting only where it is lossless (int -> float)."""
    origin = get_origin(tp)
    if origin is Literal:
        choices = get_args(tp)
        if value not in choices:
            raise ConfigError(f"bad value {value!r} for '{key}'; choose one of: {', '.join(map(str, choices))}")
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            if type(None) in args:
                return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ConfigError as err:
                errors.append(str(err))
        raise ConfigError(errors[0] if errors else f"bad value {value!r} for '{key}'")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"bad value {value!r} for '{key}': expected a list")
        (inner,) = get_args(tp)[:1] or (Any,)
        items = [_coerce(v, inner, key) for v in value]
        return items if origin is list else tuple(items)
    if tp is Any:
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"bad value {value!r} for '{key}': expected true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"bad value {value!r} for '{key}': expected an integer")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"bad value {value!r} for '{key}': expected a number")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(f"bad value {value!r} for '{key}': expected a string")
    raise ConfigError(f"'{key}' has an unsupported type {tp}")


def _fields(obj_or_cls: Any) -> dict[str, Any]:
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return get_type_hints(cls)


def _g_batchnorm_to_g_norm(value: Any) -> str:
    # model.g_batchnorm=false meant the family's own (mlp none, DCGAN always batch): that is g_norm=auto.
    return "batch" if _coerce(value, bool, "model.g_batchnorm") else "auto"


# Renamed keys: old dotted key -> (new key, value conversion). Configs and checkpoints saved before the rename name
# the old key (every saved config names every key), so they must keep loading.
RENAMED: dict[str, tuple[str, Any]] = {"model.g_batchnorm": ("model.g_norm", _g_batchnorm_to_g_norm)}


def set_key(cfg: Any, dotted: str, value: Any) -> None:
    """Set `cfg.<dotted>` to `value` (type-checked). `dotted` like 'optim.g_lr'."""
    if dotted in RENAMED:
        dotted, convert = RENAMED[dotted]
        value = convert(value)
    parts = dotted.split(".")
    node = cfg
    path = []
    for i, part in enumerate(parts):
        hints = _fields(node)
        if part not in hints:
            full = ".".join([*path, part])
            close = difflib.get_close_matches(part, list(hints), n=1)
            hint = f"; did you mean '{'.'.join([*path, close[0]])}'?" if close else ""
            where = f" in '{'.'.join(path)}'" if path else ""
            raise ConfigError(f"unknown key '{full}'{hint} known{where}: {', '.join(sorted(hints))}")
        path.append(part)
        if i == len(parts) - 1:
            if dataclasses.is_dataclass(getattr(node, part)):
                if not isinstance(value, dict):
                    keys = ", ".join(_fields(getattr(node, part)))
                    raise ConfigError(f"'{dotted}' is a section; set one of its keys: {keys}")
                for k, v in value.items():
                    set_key(cfg, f"{dotted}.{k}", v)
            else:
                setattr(node, part, _coerce(value, hints[part], dotted))
        else:
            node = getattr(node, part)
            if not dataclasses.is_dataclass(node):
                raise ConfigError(f"'{'.'.join(path)}' is a value, not a section")


def update_from_dict(cfg: Config, values: dict[str, Any], prefix: str = "") -> Config:
    """Apply a nested dict (YAML shape) onto `cfg`, strictly."""
    if not isinstance(values, dict):
        raise ConfigError(f"expected a mapping of config keys, got {type(values).__name__}")
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        target = cfg
        for part in dotted.split(".")[:-1]:
            target = getattr(target, part, None)
        leaf = dotted.split(".")[-1]
        if isinstance(value, dict) and target is not None and dataclasses.is_dataclass(getattr(target, leaf, None)):
            update_from_dict(cfg, value, prefix=f"{dotted}.")
        else:
            set_key(cfg, dotted, value)
    return cfg


def from_dict(values: dict[str, Any]) -> Config:
    """A Config from a nested dict (e.g. one saved in a run directory or checkpoint)."""
    return update_from_dict(Config(), values)


def parse_override(text: str) -> tuple[str, Any]:
    """'train.steps=200' -> ('train.steps', 200). Values are read as YAML scalars: 1e-4, true, null, [0, 0.9]."""
    if "=" not in text:
        raise ConfigError(f"bad override '{text}': expected key=value, e.g. train.steps=200")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"bad override '{text}': empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    # YAML reads "1e-4" as a string (it wants "1.0e-4"); numbers in overrides are numbers.
    if isinstance(value, str):
        try:
            value = float(value) if any(ch in value for ch in ".eE") else int(value)
        except ValueError:
            pass
    return key, value


def apply_overrides(cfg: Config, overrides: typing.Iterable[str]) -> Config:
    for text in overrides:
        key, value = parse_override(text)
        set_key(cfg, key, value)
    return cfg


def load_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"config file {path} is not valid YAML: {err}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"config file {path} must hold a mapping of keys, not {type(values).__name__}")
    return values


def save_yaml(cfg: Config, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False))
