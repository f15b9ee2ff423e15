"""Study `clip-vs-gp`: WGAN's weight clipping against WGAN-GP's gradient penalty, seen through the critic.

Gulrajani et al. 2017 (Sec. 3, Fig. 1; the lecture's "WGAN issues - clipping is too limiting"): clipping every
weight into [-c, c] caps the critic's capacity, so its value surface is a simple, nearly linear ramp that cannot
wrap around the modes, and its gradients are far from the norm 1 that an optimal W1 critic has; the gradient
penalty lets the critic follow the data. The study trains `wgan` and `wgan-gp` on ring8, grid25 and swissroll and
draws each final critic's logits as a heat map under its samples (the engine's scatter drawing), with the PacGAN
metrics where the data have modes and, on every data set, the critic's gradient norm on interpolates
(critic/grad_norm, ± critic/grad_norm_std) and its gap E D(real) - E D(fake).
"""

from __future__ import annotations

from pathlib import Path

from .spec import RunRecord, Study, StudyOptions, seed_list
from .training import draw_run_grid, training_study

DATA = ("ring8", "grid25", "swissroll")
PRESETS = ("wgan", "wgan-gp")
QUICK_OVERRIDES = ("train.steps=1000",)
METRICS = ["toy/modes", "toy/hq", "critic/gap", "critic/grad_norm", "critic/grad_norm_std"]


def figures(records: list[RunRecord], out: Path) -> tuple[list[Path], str]:
    def title(r: RunRecord) -> str:
        m = r.metrics
        text = f"{r.run.tags['preset']} on {r.run.tags['data']}: |grad D| {m.get('critic/grad_norm', float('nan')):.2g}"
        if "toy/modes" in m:
            text += f", {m['toy/modes']:.0f} modes"
        return text

    path = draw_run_grid(records, PRESETS, DATA, lambda run: (run.tags["preset"], run.tags["data"]),
                         out / "clip-vs-gp.png", critic=True, title=title,
                         suptitle="critic logits (heat map), samples (orange), real data (black); first seed")
    return [path], ""


def build(options: StudyOptions) -> Study:
    seeds = seed_list(options.seeds or (1 if options.quick else 3), "seeds")
    extra = QUICK_OVERRIDES if options.quick else ()
    configs = [(f"{p}@{d}", p, d, extra) for p in PRESETS for d in DATA]
    claim = ("\"Weight clipping is a clearly terrible way to enforce a Lipschitz constraint\": it limits the "
             "critic's capacity, so it fails to build a complex boundary around the modes, while WGAN-GP's critic "
             "can (lecture: WGAN issues - clipping is too limiting; Gulrajani et al. 2017, Fig. 1).")
    notes = ("Each run is the preset's recipe on 2-D points (`ganforge presets`)"
             + (f", shortened by `{' '.join(QUICK_OVERRIDES)}` (--quick)" if options.quick else "")
             + ". critic/* are measured on 2,500 real and 2,500 generated points in training coordinates "
               "(data / scale): the gradient norm on WGAN-GP's interpolates, and E D(real) - E D(fake).")
    return training_study("clip-vs-gp", "WGAN (weight clipping) against WGAN-GP (gradient penalty) on ring8, grid25 "
                          "and swissroll: the critics side by side", configs, seeds,
                          extra_overrides=options.overrides, metrics=METRICS, claim=claim, figures=figures,
                          notes=notes)
