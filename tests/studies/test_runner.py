"""The study runner: a grid expands into runs, runs once, writes CSV/JSON/markdown/figures, skips what is finished,
continues an interrupted training run exactly, and refuses to mix runs made with other settings."""

import csv
import json
import math

import pytest
import torch

from ganforge.config.parse import ConfigError
from ganforge.studies import StudyError, StudyOptions, get_study, run_study
from ganforge.studies.report import mean_std, summarise
from ganforge.studies.saturation import saturation_job
from ganforge.studies.spec import Run, RunRecord, Study, select_configs, study_from_file
from ganforge.studies.training import run_config, training_study
from ganforge.training.engine import Trainer

TINY = ["model.g_width=16", "model.d_width=16", "model.g_depth=1", "model.d_depth=1", "model.z_dim=4",
        "train.batch_size=32", "train.log_every=5", "train.eval_every=0", "train.ckpt_every=0"]


def tiny_grid(seeds=(0, 1), steps=10):
    configs = [("gan", "gan", "ring8", [*TINY, f"train.steps={steps}"]),
               ("lsgan", "lsgan", "ring8", [*TINY, f"train.steps={steps}"])]
    return training_study("tiny", "two presets on ring8", configs, list(seeds))


def quiet(lines):
    return lambda line: lines.append(line)


def test_grid_runs_and_writes_csv_json_markdown_and_figures(tmp_path):
    lines = []
    result = run_study(tiny_grid(), tmp_path, jobs=1, log=quiet(lines))
    assert [(r.run.config, r.run.seed, r.status) for r in result.records] == [
        ("gan", 0, "ran"), ("gan", 1, "ran"), ("lsgan", 0, "ran"), ("lsgan", 1, "ran")]
    assert sum(line.startswith("[") for line in lines) == 4          # one progress line per finished run

    with open(tmp_path / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["config"], r["seed"], r["preset"], r["data"]) for r in rows] == [
        ("gan", "0", "gan", "ring8"), ("gan", "1", "gan", "ring8"), ("lsgan", "0", "lsgan", "ring8"),
        ("lsgan", "1", "lsgan", "ring8")]
    for row, record in zip(rows, result.records):
        assert 0 <= float(row["toy/modes"]) <= 8 and float(row["toy/hq"]) == record.metrics["toy/hq"]

    data = json.loads((tmp_path / "results.json").read_text())
    hq = [r.metrics["toy/hq"] for r in result.records if r.run.config == "gan"]
    assert data["by_config"]["gan"]["toy/hq"]["mean"] == pytest.approx(sum(hq) / 2)
    assert data["by_config"]["gan"]["toy/hq"]["std"] == pytest.approx(abs(hq[0] - hq[1]) / math.sqrt(2))
    report = (tmp_path / "report.md").read_text()
    assert "| gan | 2 |" in report and "| lsgan | 2 |" in report and "![metrics](metrics.png)" in report
    assert (tmp_path / "metrics.png").stat().st_size > 1000
    assert (tmp_path / "samples.png").stat().st_size > 1000 and "![samples](samples.png)" in report
    # each run is an ordinary run directory with its own one-thread config
    assert (tmp_path / "runs" / "gan" / "seed1" / "checkpoints" / "last.pt").is_file()
    assert "threads: 1" in (tmp_path / "runs" / "gan" / "seed1" / "config.yaml").read_text()


def test_finished_runs_are_skipped_and_new_seeds_run(tmp_path):
    run_study(tiny_grid(seeds=[0]), tmp_path, jobs=1, log=quiet([]))
    stamp = (tmp_path / "runs" / "gan" / "seed0" / "result.json").stat().st_mtime_ns
    lines = []
    result = run_study(tiny_grid(seeds=[0, 1]), tmp_path, jobs=1, log=quiet(lines))
    status = {(r.run.config, r.run.seed): r.status for r in result.records}
    assert status == {("gan", 0): "skipped", ("gan", 1): "ran", ("lsgan", 0): "skipped", ("lsgan", 1): "ran"}
    assert (tmp_path / "runs" / "gan" / "seed0" / "result.json").stat().st_mtime_ns == stamp
    assert sum(line.endswith("(finished before, skipped)") for line in lines) == 2


def test_a_folder_with_other_settings_is_an_error_not_a_silent_mix(tmp_path):
    run_study(tiny_grid(seeds=[0], steps=10), tmp_path, jobs=1, log=quiet([]))
    with pytest.raises(StudyError, match=r"other settings \(differs in: params\).*another --out"):
        run_study(tiny_grid(seeds=[0], steps=12), tmp_path, jobs=1, log=quiet([]))


def test_an_interrupted_training_run_continues_from_its_checkpoint_exactly(tmp_path):
    """Half a run left by a killed study (spec.json and a checkpoint at step 10 of 20, no result) is resumed, and
    ends where an uninterrupted run ends."""
    study = training_study("t", "", [("gan", "gan", "ring8", [*TINY, "train.steps=20", "train.log_every=10"])], [0])
    (run,) = study.runs
    straight = run_study(study, tmp_path / "straight", jobs=1, log=quiet([])).records[0]

    run_dir = tmp_path / "killed" / "runs" / run.name
    run_dir.mkdir(parents=True)
    (run_dir / "spec.json").write_text(json.dumps(run.spec()))
    trainer = Trainer(run_config(run.params, run.seed), run_dir=run_dir)
    for _ in range(10):
        trainer.train_step()
    trainer.save()
    resumed = run_study(study, tmp_path / "killed", jobs=1, log=quiet([])).records[0]
    assert resumed.status == "ran"
    timing = {"samples_per_s"}
    assert {k: v for k, v in resumed.metrics.items() if k not in timing} == \
        {k: v for k, v in straight.metrics.items() if k not in timing}
    last = torch.load(run_dir / "checkpoints" / "last.pt", weights_only=True)
    assert last["step"] == 20


def test_parallel_processes_give_the_numbers_of_one_process(tmp_path):
    params = {"loss": "minimax", "logits": [0.0, -5.0, -10.0], "n": 4}
    runs = [Run("minimax", seed, saturation_job, params) for seed in (0, 1, 2)]
    study = Study("par", "", runs, ["grad_norm@-5"])
    one = run_study(study, tmp_path / "one", jobs=1, log=quiet([]))
    two = run_study(study, tmp_path / "two", jobs=2, log=quiet([]))
    assert [r.metrics for r in one.records] == [r.metrics for r in two.records]


def test_mean_and_std_over_seeds_by_hand():
    assert mean_std([1.0, 2.0, 6.0]) == (3.0, pytest.approx(math.sqrt(7.0)))   # sample std: sum sq dev 14 / 2
    assert mean_std([4.0]) == (4.0, 0.0)
    records = [RunRecord(Run("a", s, saturation_job), "ran", 0.0, {"m": v}, None) for s, v in enumerate([1, 3])]
    records.append(RunRecord(Run("a", 2, saturation_job), "failed", 0.0, {}, None, "diverged"))
    row = summarise(records, ["m"])["a"]
    assert row["runs"] == 3 and row["failed"] == 1 and row["m"]["n"] == 2 and row["m"]["mean"] == 2.0


# ------------------------------------------------------------------------------------------------ study files

def write(path, text):
    path.write_text(text)
    return path


def test_study_file_expands_configs_by_data_by_seeds(tmp_path):
    path = write(tmp_path / "grid.yaml", """
summary: a test grid
data: [ring8, grid25]
seeds: [3, 7]
overrides: [train.steps=5]
configs:
  - preset: gan
  - {preset: wgan-gp, name: gp, overrides: [train.steps=6]}
quick: {seeds: 1, overrides: [train.steps=2]}
""")
    study = study_from_file(path)
    assert study.name == "grid"
    assert [(r.config, r.seed) for r in study.runs] == [
        ("gan@ring8", 3), ("gan@ring8", 7), ("gan@grid25", 3), ("gan@grid25", 7),
        ("gp@ring8", 3), ("gp@ring8", 7), ("gp@grid25", 3), ("gp@grid25", 7)]
    gp = study.runs[-1]
    assert {k: gp.params[k] for k in ("preset", "data", "overrides")} == \
        {"preset": "wgan-gp", "data": "grid25", "overrides": ["train.steps=5", "train.steps=6"]}
    assert gp.params["resolved"]["train"]["steps"] == 6 and "seed" not in gp.params["resolved"]["train"]
    assert run_config(gp.params, gp.seed).train.steps == 6 and run_config(gp.params, gp.seed).train.seed == 7
    quick = study_from_file(path, StudyOptions(quick=True))
    assert [r.seed for r in quick.runs] == [0] * 4
    assert run_config(quick.runs[0].params, 0).train.steps == 2
    assert [r.seed for r in study_from_file(path, StudyOptions(seeds=3)).runs[:3]] == [0, 1, 2]


@pytest.mark.parametrize("text, message", [
    ("configs: [{preset: gan}]\nseed: 3\n", "unknown key 'seed' in study file .*did you mean 'seeds'"),
    ("configs: [{preset: gna}]\n", "config 'gna': unknown preset 'gna'; did you mean 'gan'"),
    ("configs: [{preset: gan, overides: []}]\n", "unknown key 'overides' in configs\\[0\\].*did you mean 'overrides'"),
    ("configs: [{preset: gan, overrides: [train.stepz=3]}]\n", "did you mean 'train.steps'"),
    ("configs: [{preset: gan}, {preset: gan}]\n", "config 'gan' seed 0 appears twice"),
    ("configs: []\n", "'configs' must be a non-empty list"),
    ("configs: [gan]\nseeds: 0\n", "'seeds' must be >= 1"),
    ("configs: [gan]\nquick: {steps: 3}\n", "unknown key 'steps' in 'quick'"),
])
def test_study_file_errors_name_what_is_valid(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        study_from_file(write(tmp_path / "bad.yaml", text))


def test_unknown_study_lists_the_valid_ones():
    with pytest.raises(KeyError, match="unknown study 'saturaton'; did you mean 'saturation'.*known: clip-vs-gp, "
                                       "fgan, js-flat, mode-collapse, saturation"):
        get_study("saturaton")
    with pytest.raises(ConfigError, match="study file not found"):
        get_study("missing.yaml")
    with pytest.raises(ConfigError, match="takes no key=value overrides"):
        get_study("fgan", StudyOptions(overrides=("train.steps=3",)))


def test_builtin_training_studies_expand_with_the_2d_presets_present():
    from ganforge.config.presets import PRESETS

    study = get_study("mode-collapse", StudyOptions(seeds=2))
    presets = {r.tags["preset"] for r in study.runs}
    assert {"gan", "pacgan", "wgan-gp"} <= presets and "dcgan" not in presets and "gan-minimax" not in presets
    image_only = {"dcgan", "cgan", "cgan-projection", "acgan", "infogan", "sgan"}   # images / labels needed
    assert presets == set(PRESETS) - image_only - {"gan-minimax"}
    assert len(study.runs) == len(presets) * 2 * 2
    quick = get_study("mode-collapse", StudyOptions(quick=True))
    assert {r.config for r in quick.runs} == {f"{p}@{d}" for p in ("gan", "pacgan", "wgan-gp")
                                              for d in ("ring8", "grid25")}
    assert all(run_config(r.params, r.seed).train.steps == 1000 for r in quick.runs)
    clip = get_study("clip-vs-gp", StudyOptions(quick=True, overrides=("train.steps=7",)))
    assert {r.config for r in clip.runs} == {f"{p}@{d}" for p in ("wgan", "wgan-gp")
                                             for d in ("ring8", "grid25", "swissroll")}
    assert all(run_config(r.params, r.seed).train.steps == 7 for r in clip.runs)   # the user's override wins


def test_only_keeps_the_named_rows_and_names_the_known_ones():
    every = get_study("mode-collapse", StudyOptions(seeds=1))
    assert select_configs(every, ()) is every
    some = get_study("mode-collapse", StudyOptions(seeds=2, only=("gan", "pacgan@grid25")))
    assert [(r.config, r.seed) for r in some.runs] == [("gan@ring8", 0), ("gan@ring8", 1), ("gan@grid25", 0),
                                                       ("gan@grid25", 1), ("pacgan@grid25", 0), ("pacgan@grid25", 1)]
    assert "pacgan-drs@grid25" not in {r.config for r in some.runs}    # a preset name is matched whole
    with pytest.raises(ConfigError, match=r"'pacgn', 'gan@ring9' selects no config of study 'mode-collapse'; "
                                          r"known: gan, pacgan, .*\(or one of their rows, e.g. 'gan@ring8'\)"):
        get_study("mode-collapse", StudyOptions(only=("pacgn", "gan", "gan@ring9")))
    with pytest.raises(ConfigError, match="known: gan, lsgan$"):
        select_configs(tiny_grid(), ["wgan"])


def test_a_run_made_before_its_preset_changed_is_not_reused(tmp_path, monkeypatch):
    from ganforge.config import presets

    run_study(tiny_grid(seeds=(0,), steps=2), tmp_path, jobs=1, log=quiet([]))
    gan = presets.PRESETS["gan"]
    monkeypatch.setitem(presets.PRESETS, "gan", presets.Preset(gan.name, gan.summary, gan.source,
                                                               {**gan.values, "optim.beta1": 0.9}, gan.points))
    with pytest.raises(StudyError, match=r"gan/seed0 holds a run made with other settings \(differs in: params\)"):
        run_study(tiny_grid(seeds=(0,), steps=2), tmp_path, jobs=1, log=quiet([]))


def diverging_job(params, seed, run_dir):
    from ganforge.training.engine import TrainingDiverged

    if seed == 1:
        raise TrainingDiverged("NaN at step 3 (simulated)")
    return {"m": float(seed)}


def test_a_diverged_run_is_recorded_as_failed_and_the_study_goes_on(tmp_path):
    study = Study("div", "", [Run("a", seed, diverging_job) for seed in (0, 1, 2)], ["m"])
    result = run_study(study, tmp_path, jobs=1, log=quiet([]))
    assert [r.status for r in result.records] == ["ran", "failed", "ran"]
    assert json.loads((tmp_path / "runs" / "a" / "seed1" / "result.json").read_text())["status"] == "failed"
    report = (tmp_path / "report.md").read_text()
    assert "| a | 3 (1 failed) | 1 ± 1.4 |" in report and "a seed 1: NaN at step 3 (simulated)" in report
    again = run_study(study, tmp_path, jobs=1, log=quiet([]))   # deterministic: not retried, still failed
    assert [r.status for r in again.records] == ["skipped", "failed", "skipped"]
    assert "(1 failed)" in (tmp_path / "report.md").read_text()


def test_readme_study_file_example_parses(tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    (example,) = re.findall(r"```yaml\n(summary: which loss.*?)```", readme, flags=re.S)
    study = study_from_file(write(tmp_path / "readme.yaml", example))
    assert {r.config for r in study.runs} == {"gan@ring8", "gan@grid25", "wgan-gp-long@ring8", "wgan-gp-long@grid25"}
    assert len(study.runs) == 12 and study.metrics == ["toy/modes", "toy/hq"]
