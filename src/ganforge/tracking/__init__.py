"""Where scalars go: console (progress bar), metrics.jsonl, TensorBoard when installed."""

from .logger import RunLogger, read_jsonl

__all__ = ["RunLogger", "read_jsonl"]
