"""What a study is: a grid of runs (configs x seeds), each a job that returns its final metrics.

A *run* is one cell of the grid: a config label (the row of the report: a preset with overrides, a loss, a
divergence...), a seed, the job that does the work and the job's JSON-able parameters. A *study* is a list of runs,
the metrics to report and an optional hook that draws the study's own figures once every run is done. Lucic et al.
2018 ("Are GANs Created Equal?") is the model: many configs, several seeds each, and distributions over seeds
rather than one lucky run.

Study files (YAML) describe a grid of GAN training runs, strictly (unknown keys are errors naming the valid ones):

    name: losses-on-ring8          # optional; default: the file's stem
    summary: which loss finds the 8 modes
    data: [ring8, grid25]          # optional; every config runs on every data set (default: the preset's data)
    seeds: 3                       # a count (seeds 0..2) or a list [0, 5, 7]
    overrides: [train.steps=3000]  # key=value for every run
    configs:
      - preset: gan
      - preset: wgan-gp
        name: wgan-gp-long         # the row label; default: the preset
        overrides: [train.steps=6000]
    metrics: [toy/modes, toy/hq]   # optional; default: the PacGAN metrics and the critic's gradient norm
    quick: {seeds: 1, overrides: [train.steps=500]}   # what --quick changes
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config.parse import ConfigError, load_yaml, parse_override

# job(params, seed, run_dir) -> final scalar metrics. It may write files into run_dir (checkpoints, curves) for the
# study's figures. Jobs are module-level functions: worker processes receive them pickled by reference.
Job = Callable[[dict[str, Any], int, Path], dict[str, float]]


@dataclass(frozen=True)
class Run:
    """One cell of a study's grid."""

    config: str                                         # row label, e.g. "gan@ring8", "minimax", "kl"
    seed: int
    job: Job
    params: dict[str, Any] = field(default_factory=dict)  # JSON-able; a finished run is reused only if unchanged
    tags: dict[str, str] = field(default_factory=dict)    # extra CSV columns (preset, data, ...)

    @property
    def name(self) -> str:
        """The run's folder under <out>/runs/, e.g. 'gan@ring8/seed0'."""
        return f"{slug(self.config)}/seed{self.seed}"

    def spec(self) -> dict[str, Any]:
        """Everything that determines the run's result; stored beside it to decide whether it may be reused."""
        return {"config": self.config, "seed": self.seed, "job": f"{self.job.__module__}.{self.job.__qualname__}",
                "params": self.params}


@dataclass
class RunRecord:
    """A finished (or skipped, or failed) run and its final metrics."""

    run: Run
    status: str                    # "ran", "skipped" (finished before, reused) or "failed" (diverged, now or before)
    seconds: float                 # the job's wall time (for a skipped run: when it ran)
    metrics: dict[str, float]
    dir: Path
    error: str | None = None


@dataclass
class Study:
    """A grid of runs, what to report of them, and the study's own figures."""

    name: str
    summary: str                                  # one line: what is compared
    runs: list[Run]
    metrics: list[str]                            # the report's columns and bar charts, in order
    claim: str = ""                               # the lecture claim it checks (markdown), for the report
    # figures(records, out_dir) -> (PNG paths, markdown): drawn in the main process after every run is done
    figures: Callable[[list[RunRecord], Path], tuple[list[Path], str]] | None = None
    notes: str = ""                               # how it was run (budgets), for the report


@dataclass(frozen=True)
class StudyOptions:
    """What the command line may change in any study."""

    quick: bool = False               # fewer steps / seeds: for a first look and for the README figures
    seeds: int | None = None          # seeds 0..seeds-1 instead of the study's default
    overrides: tuple[str, ...] = ()   # key=value for every training run (studies that train GANs only)
    only: tuple[str, ...] = ()        # keep only these configs: a row label ("gan@ring8") or what precedes its '@'


def slug(text: str) -> str:
    """A label as a folder name: keeps letters, digits and . _ @ + -; anything else becomes '_'."""
    return re.sub(r"[^A-Za-z0-9._@+-]", "_", text) or "_"


def seed_list(seeds: Any, where: str) -> list[int]:
    """`3` -> [0, 1, 2]; `[0, 5]` -> [0, 5]; anything else is a ConfigError."""
    if isinstance(seeds, bool):
        raise ConfigError(f"'{where}' must be a count or a list of integers, got {seeds!r}")
    if isinstance(seeds, int):
        if seeds < 1:
            raise ConfigError(f"'{where}' must be >= 1, got {seeds}")
        return list(range(seeds))
    if isinstance(seeds, list) and seeds and all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"'{where}' lists a seed twice: {seeds}")
        return list(seeds)
    raise ConfigError(f"'{where}' must be a count or a non-empty list of integers, got {seeds!r}")


def select_configs(study: Study, only: Sequence[str]) -> Study:
    """The study with only the runs whose config label, or the part of it before '@' (the preset of a
    "preset@data" row), is in `only`; all of them when `only` is empty. A name that selects nothing is an error
    that lists the names there are."""
    if not only:
        return study

    def head(run: Run) -> str:           # "gan" of "gan@ring8"; a label without '@' is its own head
        return run.config.split("@", 1)[0]

    def names(run: Run) -> set[str]:
        return {run.config, head(run)}

    missing = [name for name in only if not any(name in names(run) for run in study.runs)]
    if missing:
        known = ", ".join(dict.fromkeys(head(run) for run in study.runs))
        rows = " (or one of their rows, e.g. " + repr(study.runs[0].config) + ")" if "@" in study.runs[0].config else ""
        raise ConfigError(f"--only: {', '.join(repr(m) for m in missing)} selects no config of study "
                          f"'{study.name}'; known: {known}{rows}")
    return replace(study, runs=[run for run in study.runs if names(run) & set(only)])


def check_runs(runs: Sequence[Run]) -> None:
    """Every (config, seed) once; distinct labels must not share a folder name."""
    seen: dict[str, str] = {}
    for run in runs:
        other = seen.get(run.name)
        if other is not None:
            what = "twice" if other == run.config else f"as '{other}' and '{run.config}' (same folder)"
            raise ConfigError(f"config '{run.config}' seed {run.seed} appears {what}; give configs distinct names")
        seen[run.name] = run.config


# ------------------------------------------------------------------------------------------------ study files

FILE_KEYS = ("name", "summary", "data", "seeds", "overrides", "configs", "metrics", "quick")
CONFIG_KEYS = ("name", "preset", "data", "overrides")
QUICK_KEYS = ("seeds", "overrides")


def _check_keys(values: dict[str, Any], allowed: Sequence[str], where: str) -> None:
    import difflib

    for key in values:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"unknown key '{key}' in {where}{hint} known: {', '.join(allowed)}")


def _string_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"'{where}' must be a string or a list of strings, got {value!r}")


def study_from_file(path: str | Path, options: StudyOptions | None = None) -> Study:
    """A training grid from a YAML study file (see the module docstring)."""
    from .training import DEFAULT_METRICS, training_study

    options = options or StudyOptions()
    path = Path(path)
    values = load_yaml(path)
    _check_keys(values, FILE_KEYS, f"study file {path}")
    if "configs" not in values or not isinstance(values["configs"], list) or not values["configs"]:
        raise ConfigError(f"study file {path}: 'configs' must be a non-empty list, e.g. [{{preset: gan}}]")
    quick = values.get("quick") or {}
    if not isinstance(quick, dict):
        raise ConfigError(f"study file {path}: 'quick' must be a mapping of {', '.join(QUICK_KEYS)}")
    _check_keys(quick, QUICK_KEYS, f"'quick' of {path}")

    seeds = seed_list(values.get("seeds", 1), "seeds")
    overrides = _string_list(values.get("overrides", []), "overrides")
    if options.quick:
        seeds = seed_list(quick["seeds"], "quick.seeds") if "seeds" in quick else seeds
        overrides += _string_list(quick.get("overrides", []), "quick.overrides")
    if options.seeds is not None:
        seeds = seed_list(options.seeds, "--seeds")
    data = _string_list(values["data"], "data") if "data" in values else [None]

    configs = []
    for i, entry in enumerate(values["configs"]):
        if isinstance(entry, str):   # "- gan" is short for "- preset: gan"
            entry = {"preset": entry}
        if not isinstance(entry, dict) or "preset" not in entry:
            raise ConfigError(f"configs[{i}] of {path} needs a preset, e.g. {{preset: gan}}; got {entry!r}")
        _check_keys(entry, CONFIG_KEYS, f"configs[{i}] of {path}")
        entry_data = _string_list(entry["data"], f"configs[{i}].data") if "data" in entry else data
        for d in entry_data:
            label = str(entry.get("name", entry["preset"]))
            if len(entry_data) > 1:
                label = f"{label}@{d}"
            configs.append((label, str(entry["preset"]), d,
                            [*overrides, *_string_list(entry.get("overrides", []), f"configs[{i}].overrides")]))
    metrics = _string_list(values["metrics"], "metrics") if "metrics" in values else list(DEFAULT_METRICS)
    return training_study(str(values.get("name", path.stem)), str(values.get("summary", "")), configs, seeds,
                          extra_overrides=options.overrides, metrics=metrics)


def check_overrides(overrides: Sequence[str]) -> list[str]:
    """key=value strings, parsed once so that a malformed one fails before any run starts."""
    for text in overrides:
        parse_override(text)
    return list(overrides)
