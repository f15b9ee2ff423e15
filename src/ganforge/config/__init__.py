"""Typed config, presets, YAML files and `key=value` overrides."""

from .parse import (
    ConfigError,
    apply_overrides,
    from_dict,
    load_yaml,
    parse_override,
    save_yaml,
    set_key,
    to_dict,
    update_from_dict,
)
from .schema import (
    Config,
    DataConfig,
    EvalConfig,
    LossConfig,
    ModelConfig,
    OptimConfig,
    OutputConfig,
    RegConfig,
    SamplerConfig,
    TrainConfig,
)

__all__ = [
    "Config", "ConfigError", "DataConfig", "EvalConfig", "LossConfig", "ModelConfig", "OptimConfig", "OutputConfig",
    "SamplerConfig", "RegConfig", "TrainConfig", "apply_overrides", "from_dict", "load_yaml", "parse_override",
    "save_yaml", "set_key", "to_dict", "update_from_dict",
]
