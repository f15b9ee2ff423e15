"""Studies: a grid of runs (configs x seeds), run in parallel processes, reported as mean ± std over seeds.

    ganforge study --list                        # the built-in studies
    ganforge study saturation                    # a built-in study -> runs/studies/saturation/report.md
    ganforge study mode-collapse --quick         # fewer steps and seeds
    ganforge study my-grid.yaml --jobs 2         # a study file: presets + overrides x seeds (see studies/spec.py)
    ganforge study mode-collapse --only gan,pacgan   # only these rows (a label, or its preset before '@')

    from ganforge.studies import StudyOptions, get_study, run_study
    result = run_study(get_study("fgan", StudyOptions(seeds=1)), "runs/studies/fgan", jobs=2)

Built-in studies reproduce lecture claims, one module each: saturation, js_flat, fgan (critics and gradients
only, minutes on a CPU) and mode_collapse, clip_vs_gp (GAN training runs; --quick for a first look).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config.parse import ConfigError
from ..registry import Registry
from . import clip_vs_gp, fgan, js_flat, mode_collapse, saturation
from .runner import StudyError, StudyResult, run_study
from .spec import Run, RunRecord, Study, StudyOptions, select_configs, study_from_file


@dataclass(frozen=True)
class BuiltinStudy:
    name: str
    summary: str
    build: Callable[[StudyOptions], Study]
    trains_gans: bool      # False: critics and gradients only (minutes); True: GAN training runs (--quick exists)


STUDIES: Registry[BuiltinStudy] = Registry("study")
for _study in (
    BuiltinStudy("saturation", "minimax vs non-saturating G gradient as D grows confident, against the closed forms",
                 saturation.build, False),
    BuiltinStudy("js-flat", "JS of disjoint parallel lines is flat at log 2; a WGAN-GP critic's W1 grows like |theta|",
                 js_flat.build, False),
    BuiltinStudy("fgan", "a trained f-GAN critic estimates every f-divergence between two Gaussians within 5%",
                 fgan.build, False),
    BuiltinStudy("mode-collapse", "gan against every other 2-D preset on ring8 and grid25 (PacGAN metrics)",
                 mode_collapse.build, True),
    BuiltinStudy("clip-vs-gp", "WGAN weight clipping against WGAN-GP: the critics on ring8, grid25, swissroll",
                 clip_vs_gp.build, True),
):
    STUDIES.add(_study.name, _study)


def get_study(name: str, options: StudyOptions | None = None) -> Study:
    """A built-in study by name, or a study file (.yaml/.yml), narrowed to `options.only` if given. Unknown names
    list the valid ones."""
    options = options or StudyOptions()
    path = Path(name)
    if name.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise ConfigError(f"study file not found: {path}")
        study = study_from_file(path, options)
    else:
        study = STUDIES.get(name).build(options)
    return select_configs(study, options.only)


def study_table() -> str:
    """The built-in studies, one line each, for `ganforge study --list`."""
    width = max(len(n) for n in STUDIES)
    return "\n".join(f"{n:<{width}}  {'trains GANs (--quick)' if STUDIES.get(n).trains_gans else 'cheap':<21}  "
                     f"{STUDIES.get(n).summary}" for n in STUDIES)


__all__ = ["STUDIES", "BuiltinStudy", "Run", "RunRecord", "Study", "StudyError", "StudyOptions", "StudyResult",
           "get_study", "run_study", "study_table"]
