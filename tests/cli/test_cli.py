"""The command line end to end on tiny runs, and its errors."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ganforge.cli.main import main

TINY = ["model.g_width=16", "model.d_width=16", "model.g_depth=1", "model.d_depth=1", "model.z_dim=4",
        "train.batch_size=16", "train.log_every=5", "output.progress=false", "output.tensorboard=false"]


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", "--preset", "gan", "--data", "ring8", "--out", str(out), "train.steps=10", *TINY]) == 0
    return out


def test_train_writes_a_run(toy_run):
    assert (toy_run / "checkpoints" / "last.pt").is_file() and (toy_run / "samples.png").is_file()


def test_sample_points_in_every_format(toy_run, tmp_path):
    for suffix in (".npy", ".csv", ".png"):
        assert main(["sample", str(toy_run), "--n", "50", "--seed", "3", "--out", str(tmp_path / f"s{suffix}")]) == 0
    points = np.load(tmp_path / "s.npy")
    assert points.shape == (50, 2) and np.isfinite(points).all()
    # the CSV holds the same points as the .npy (same seed), after a header line
    np.testing.assert_allclose(np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1), points, rtol=1e-6)
    assert Image.open(tmp_path / "s.png").size[0] > 100


def test_sample_is_seeded(toy_run, tmp_path):
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        main(["sample", str(toy_run / "checkpoints" / "last.pt"), "--n", "20", "--seed", seed,
              "--out", str(tmp_path / f"{name}.npy")])
    a, b, c = (np.load(tmp_path / f"{n}.npy") for n in "abc")
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_sample_images(tmp_path):
    run = tmp_path / "img"
    assert main(["train", "--preset", "dcgan", "--data", "digits", "--out", str(run), "train.steps=3",
                 "model.g_width=4", "model.d_width=4", "train.batch_size=32", "output.progress=false",
                 "output.tensorboard=false"]) == 0
    assert main(["sample", str(run), "--n", "9", "--out", str(tmp_path / "g.npz")]) == 0
    images = np.load(tmp_path / "g.npz")["images"]
    assert images.shape == (9, 1, 8, 8) and images.dtype == np.uint8
    assert main(["sample", str(run), "--n", "9", "--out", str(tmp_path / "g.png")]) == 0
    assert main(["sample", str(run), "--n", "9", "--out", str(tmp_path / "g.csv")]) == 2  # points-only format


def test_info_and_presets(toy_run, capsys):
    assert main(["info", str(toy_run)]) == 0
    out = capsys.readouterr().out
    assert "step         10 of 10" in out and "preset       gan" in out
    assert main(["presets"]) == 0
    assert "wgan-gp" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["train", "--preset", "nope"], "unknown preset 'nope'"),
    (["train", "--data", "grid52"], "did you mean 'grid25'"),
    (["train", "loss.name=hinj"], "did you mean 'hinge'"),
    (["train", "train.stepz=3"], "did you mean 'train.steps'"),
    (["train", "notanoverride"], "expected key=value"),
    (["train", "--preset", "dcgan", "--data", "grid25", "train.steps=1"], "dcgan needs image data"),
    (["sample", "/nonexistent/ckpt.pt", "--out", "x.png"], "checkpoint not found"),
    (["info", "/nonexistent"], "checkpoint not found"),
])
def test_bad_input_exits_2_with_a_clear_message(argv, message, capsys, tmp_path):
    assert main([*argv, *(["output.dir=" + str(tmp_path)] if argv[0] == "train" and "=" in argv[-1] else [])]) == 2
    assert message in capsys.readouterr().err


def test_corrupt_checkpoint(tmp_path, capsys):
    bad = tmp_path / "last.pt"
    bad.write_bytes(b"not a checkpoint at all")
    assert main(["sample", str(bad), "--out", str(tmp_path / "x.npy")]) == 2
    assert "corrupt" in capsys.readouterr().err


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "ganforge", "presets"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "dcgan" in result.stdout


def test_study_list_and_unknown_study(capsys):
    assert main(["study", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("saturation", "js-flat", "fgan", "mode-collapse", "clip-vs-gp"))
    assert main(["study", "saturatoin"]) == 2
    err = capsys.readouterr().err
    assert "unknown study 'saturatoin'; did you mean 'saturation'?" in err
    assert "known: clip-vs-gp, fgan, js-flat, mode-collapse, saturation" in err
    assert main(["study", "fgan", "train.steps=3"]) == 2
    assert "takes no key=value overrides" in capsys.readouterr().err
    assert main(["study", "saturation", "--jobs", "0"]) == 2
    assert "--jobs must be >= 1" in capsys.readouterr().err


def test_study_only_runs_the_named_configs_in_a_folder_of_its_own(tmp_path, capsys, monkeypatch):
    grid = tmp_path / "grid.yaml"
    grid.write_text("configs: [gan, lsgan]\ndata: ring8\nseeds: 1\noverrides: [train.steps=4]\n")
    monkeypatch.chdir(tmp_path)
    assert main(["study", str(grid), "--only", "lsgan", "--jobs", "1", *TINY[:5]]) == 0
    captured = capsys.readouterr()
    assert "[1/1] lsgan seed 0" in captured.err and "| lsgan | 1 |" in captured.out and "| gan |" not in captured.out
    report = (tmp_path / "runs" / "studies" / "grid-only-lsgan" / "report.md").read_text()
    assert "--only lsgan" in report
    assert main(["study", str(grid), "--only", "wgan"]) == 2
    assert "'wgan' selects no config of study 'grid'; known: gan, lsgan" in capsys.readouterr().err


def test_study_file_end_to_end_then_skipped(tmp_path, capsys):
    grid = tmp_path / "grid.yaml"
    grid.write_text("configs: [gan, lsgan]\ndata: ring8\nseeds: 2\noverrides: [train.steps=4]\n")
    argv = ["study", str(grid), "--jobs", "1", "--out", str(tmp_path / "out"), *TINY[:5]]  # overrides after options
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "| gan | 2 |" in captured.out and "[4/4] lsgan seed 1" in captured.err
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"results.csv", "results.json", "report.md",
                                                              "metrics.png", "runs"}
    assert main(argv) == 0
    assert capsys.readouterr().err.count("(finished before, skipped)") == 4
