"""`ganforge sample --class/--truncation`, `interpolate`, `invert` and `inpaint` end to end on tiny checkpoints."""

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import ganforge
from ganforge.artifacts.checkpoint import load_checkpoint, save_checkpoint
from ganforge.cli.main import main
from ganforge.models.latent import LatentPrior

QUIET = ["output.progress=false", "output.tensorboard=false", "train.sample_every=0"]


@pytest.fixture(scope="module")
def points_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("latent_cli") / "points"
    assert main(["train", "--preset", "gan", "--data", "ring8", "--out", str(out), "train.steps=5",
                 "model.g_width=16", "model.d_width=16", "model.g_depth=1", "model.d_depth=1", "model.z_dim=4",
                 "train.batch_size=16", *QUIET]) == 0
    return out


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("latent_cli") / "images"
    assert main(["train", "--preset", "dcgan", "--data", "digits", "--out", str(out), "train.steps=3",
                 "model.g_width=4", "model.d_width=4", "model.z_dim=8", "train.batch_size=32", *QUIET]) == 0
    return out


@pytest.fixture(scope="module")
def digit_pngs(image_run, tmp_path_factory):
    """Two of the generator's own 8x8 samples as PNGs, and one 20x20 RGB picture that must be converted."""
    folder = tmp_path_factory.mktemp("pngs")
    x = ganforge.load(image_run).sample(2, seed=5)
    paths = []
    for i, img in enumerate(((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)):
        Image.fromarray(img[0].numpy()).save(folder / f"d{i}.png")
        paths.append(str(folder / f"d{i}.png"))
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(folder / "rgb.png")
    return paths, str(folder / "rgb.png")


def test_sample_truncation(points_run, tmp_path):
    for name, extra in (("plain", []), ("huge", ["--truncation", "1e9"]), ("cut", ["--truncation", "0.5"])):
        assert main(["sample", str(points_run), "--n", "30", "--out", str(tmp_path / f"{name}.npy"), *extra]) == 0
    plain, huge, cut = (np.load(tmp_path / f"{n}.npy") for n in ("plain", "huge", "cut"))
    assert np.array_equal(plain, huge)                   # nothing above 1e9: every latent is the untruncated one
    assert not np.array_equal(plain, cut) and cut.shape == (30, 2)


@pytest.mark.parametrize("argv, message", [
    (["--class", "3"], "unconditional (it takes no class labels; valid classes: none)"),
    (["--truncation", "0"], "threshold must be a number > 0"),
    (["--truncation", "-1"], "threshold must be a number > 0"),
])
def test_sample_bad_latent_options(points_run, tmp_path, capsys, argv, message):
    assert main(["sample", str(points_run), "--out", str(tmp_path / "x.npy"), *argv]) == 2
    assert message in capsys.readouterr().err


class ConditionalG(nn.Module):
    """A stand-in class-conditional G on 2-D points: class k at (10 k, 0), z moves it by at most 0.1."""

    def __init__(self, num_classes: int = 5, z_dim: int = 4) -> None:
        super().__init__()
        self.latent, self.z_dim, self.num_classes = LatentPrior(z_dim), z_dim, num_classes
        self.embed = nn.Embedding(num_classes, 2)
        with torch.no_grad():
            self.embed.weight.copy_(torch.stack([10.0 * torch.arange(num_classes), torch.zeros(num_classes)], 1))
        self.proj = nn.Linear(z_dim, 2)

    def forward(self, z, c=None):
        return self.embed(c) + 0.1 * torch.tanh(self.proj(z))


@pytest.fixture
def conditional_checkpoint(points_run, tmp_path, monkeypatch):
    """The points run's checkpoint with the stand-in conditional G in it; building models gives the stand-in."""
    import ganforge.api

    state = load_checkpoint(points_run)
    state["G"], state["G_ema"] = ConditionalG().state_dict(), None
    state["data"]["spec"]["num_classes"] = 5
    for key in ("format", "version"):
        state.pop(key)
    path = save_checkpoint(state, tmp_path / "conditional.pt")
    real_build = ganforge.api.build_models
    monkeypatch.setattr(ganforge.api, "build_models", lambda cfg, spec: (ConditionalG(), real_build(cfg, spec)[1]))
    return path, state["data"]["scale"]


def test_sample_class_on_a_conditional_generator(conditional_checkpoint, tmp_path, capsys):
    path, scale = conditional_checkpoint
    # 1500 > the 1024-latent chunks G is called in: the labels must be chunked with the latents
    assert main(["sample", str(path), "--class", "3", "--n", "1500", "--out", str(tmp_path / "c3.npy")]) == 0
    points = np.load(tmp_path / "c3.npy") / scale
    assert points.shape == (1500, 2) and np.all(np.abs(points - [30.0, 0.0]) <= 0.1 + 1e-5)
    assert main(["sample", str(path), "--n", "500", "--out", str(tmp_path / "any.npy")]) == 0
    classes = np.round(np.load(tmp_path / "any.npy")[:, 0] / scale / 10)     # no --class: random classes
    assert set(classes.tolist()) == {0, 1, 2, 3, 4}
    assert main(["sample", str(path), "--class", "5", "--out", str(tmp_path / "bad.npy")]) == 2
    assert "class 5 is out of range: this generator has 5 classes, valid: 0..4" in capsys.readouterr().err


def test_interpolate_images(image_run, tmp_path):
    assert main(["interpolate", str(image_run), "--rows", "3", "--steps", "4", "--out", str(tmp_path / "s.npz")]) == 0
    data = np.load(tmp_path / "s.npz")
    assert data["images"].shape == (3, 4, 1, 8, 8) and data["images"].dtype == np.uint8
    assert data["z"].shape == (3, 4, 8) and np.allclose(data["t"], [0, 1 / 3, 2 / 3, 1])
    z, t = data["z"].astype(np.float64), data["t"]            # slerp (the default), in numpy from its formula
    a, b = z[:, 0], z[:, -1]
    omega = np.arccos(np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))[:, None, None]
    t = t[None, :, None]
    arc = (np.sin((1 - t) * omega) * a[:, None] + np.sin(t * omega) * b[:, None]) / np.sin(omega)
    np.testing.assert_allclose(z, arc, rtol=1e-5, atol=1e-5)
    assert main(["interpolate", str(image_run), "--mode", "lerp", "--rows", "2", "--steps", "3",
                 "--out", str(tmp_path / "l.npz")]) == 0
    z = np.load(tmp_path / "l.npz")["z"]
    np.testing.assert_allclose(z[:, 1], (z[:, 0] + z[:, 2]) / 2, rtol=1e-6, atol=1e-6)   # lerp midpoint
    assert main(["interpolate", str(image_run), "--rows", "2", "--steps", "5", "--out", str(tmp_path / "g.png")]) == 0
    assert Image.open(tmp_path / "g.png").size[0] > Image.open(tmp_path / "g.png").size[1]  # 5 wide, 2 high


def test_interpolate_points_and_errors(points_run, tmp_path, capsys):
    assert main(["interpolate", str(points_run), "--rows", "2", "--steps", "6", "--out", str(tmp_path / "p.npy")]) == 0
    assert np.load(tmp_path / "p.npy").shape == (2, 6, 2)
    assert main(["interpolate", str(points_run), "--steps", "1", "--out", str(tmp_path / "p.npy")]) == 2
    assert "steps >= 2" in capsys.readouterr().err
    with pytest.raises(SystemExit) as err:
        main(["interpolate", str(points_run), "--mode", "sphere", "--out", str(tmp_path / "p.npy")])
    assert err.value.code == 2 and "invalid choice: 'sphere'" in capsys.readouterr().err


def test_invert(image_run, digit_pngs, tmp_path, capsys):
    (a, b), rgb = digit_pngs
    out = tmp_path / "inv" / "inv.png"
    assert main(["invert", str(image_run), a, b, rgb, "--steps", "30", "--restarts", "2", "--baseline", "50",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "best of 50 random latents" in captured.out and "(20x20 RGB) as 1x8x8" in captured.err
    data = np.load(out.with_suffix(".npz"))
    assert data["z"].shape == (3, 8) and data["reconstructions"].shape == (3, 1, 8, 8)
    assert data["targets"][0, 0].tolist() == np.asarray(Image.open(a)).tolist()
    assert data["mse"].shape == (3,) and data["baseline_mse"].shape == (3,) and out.is_file()


@pytest.mark.parametrize("argv, message", [
    (["{points}", "{a}"], "invert works on image generators"),
    (["{images}", "{a}", "--out", "x.npz"], "give a .png file"),
    (["{images}", "/nonexistent.png"], "image not found: /nonexistent.png"),
    (["{images}", "{a}", "--class", "1"], "valid classes: none"),
])
def test_invert_errors(points_run, image_run, digit_pngs, tmp_path, capsys, argv, message):
    names = {"points": str(points_run), "images": str(image_run), "a": digit_pngs[0][0]}
    argv = [s.format(**names) for s in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "x.png")]
    assert main(["invert", *argv, "--steps", "1", "--baseline", "0"]) == 2
    assert message in capsys.readouterr().err


def test_inpaint(image_run, digit_pngs, tmp_path, capsys):
    (a, b), _ = digit_pngs
    out = tmp_path / "in.png"
    assert main(["inpaint", str(image_run), a, b, "--mask", "center", "--steps", "20", "--restarts", "2",
                 "--out", str(out)]) == 0                          # default prior weight: reads the checkpoint's D
    assert "16 of 64 pixels each filled" in capsys.readouterr().out
    data = np.load(out.with_suffix(".npz"))
    known = data["known"]
    assert known.shape == (8, 8) and known.sum() == 48
    assert np.array_equal(data["inpainted"][:, 0][:, known], data["inputs"][:, 0][:, known])
    mask = np.zeros((8, 8), dtype=np.uint8)
    mask[:, 6:] = 255                                              # white: the right two columns are the hole
    Image.fromarray(mask).save(tmp_path / "mask.png")
    assert main(["inpaint", str(image_run), a, "--mask", str(tmp_path / "mask.png"), "--steps", "5",
                 "--prior-weight", "0", "--no-weighting", "--out", str(tmp_path / "m.png")]) == 0
    assert np.array_equal(np.load(tmp_path / "m.npz")["known"], mask == 0)


def test_inpaint_errors(image_run, digit_pngs, tmp_path, capsys):
    a = digit_pngs[0][0]
    assert main(["inpaint", str(image_run), a, "--mask", str(tmp_path / "none.png"),
                 "--out", str(tmp_path / "x.png")]) == 2
    assert "mask not found" in capsys.readouterr().err
    assert main(["inpaint", str(image_run), a, "--mask", "center", "--window", "4", "--steps", "1",
                 "--out", str(tmp_path / "x.png")]) == 2
    assert "odd size" in capsys.readouterr().err


@pytest.mark.parametrize("command, phrase", [("interpolate", "slerp"), ("invert", "--restarts"),
                                             ("inpaint", "Poisson blending"), ("sample", "--truncation")])
def test_help(command, phrase, capsys):
    with pytest.raises(SystemExit) as err:
        main([command, "--help"])
    assert err.value.code == 0 and phrase in capsys.readouterr().out
