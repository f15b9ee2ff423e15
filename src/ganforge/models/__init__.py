"""Networks, one family per file, found by name: ``MODELS.get("dcgan").build(model_cfg, spec)``.

Every family builds a pair (G, D) with one calling convention:
    G(z [N, z_dim], c=None) -> x   [N, 2] points or [N, C, H, W] images in [-1, 1]
    G.latent.sample(n, generator, device) -> z   (the prior, models/latent.py; G.z_dim == G.latent.dim)
    D(x, c=None)            -> logits [N]  (higher = more real)
Every D is a trunk and a head, so tricks and extra heads can read D's features without a second forward:
    D.features(x, c=None)   -> h       D's last hidden activations [N, ...] (feature matching, pull-away, Q heads)
    D.head(h, c=None)       -> logits  [N];  D(x, c) == D.head(D.features(x, c), c)
``c`` is the class label, int64 [N] in [0, K): with model.conditioning set (data with labels, K = DataSpec.num_classes)
G and D read it (ganforge.nn.conditional; a conditional G has ``G.num_classes = K``, an unconditional one None) and
unconditional networks ignore it. AC-GAN's D also has ``D.classify(h)`` -> [N, K] class logits. The layers that look
across the batch (minibatch stddev / discrimination) live in D.head, so D.features stays per-sample.
With model.d_type=autoencoder D is an autoencoder (BEGAN, EBGAN): ``D.autoencode(x)`` -> (code, AE(x)), features the
residual x - AE(x), head -(its energy); it is unconditional.
"""

from __future__ import annotations

from ..config.schema import ModelConfig
from ..registry import Registry
from .base import DataSpec, ModelFamily
from .latent import LatentPrior

MODELS: Registry[ModelFamily] = Registry("model")

from . import dcgan, infogan, mlp  # noqa: E402, F401  (register the families)


def resolve_model_name(cfg: ModelConfig, spec: DataSpec) -> str:
    """'auto' means the MLP for 2-D points and DCGAN for images."""
    if cfg.name != "auto":
        return cfg.name
    return "mlp" if spec.kind == "points" else "dcgan"


def build_models(cfg: ModelConfig, spec: DataSpec):
    """(G, D) for the data described by `spec`, on the CPU, freshly initialised from the current torch seed."""
    return MODELS.get(resolve_model_name(cfg, spec)).build(cfg, spec)


__all__ = ["MODELS", "DataSpec", "LatentPrior", "ModelFamily", "build_models", "resolve_model_name"]
