"""Presets: each classic GAN with its paper's defaults, as overrides on top of :class:`Config`.

Where a number is ours rather than the paper's (because the paper trained on other data, or the toy problems need
a smaller model), the ``source`` says so. Model sizes follow the data: the MLP for 2-D points, DCGAN for images,
unless the preset names an architecture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..registry import unknown_name_message
from .parse import ConfigError, apply_overrides, load_yaml, set_key, update_from_dict
from .schema import Config


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    source: str                                   # where the numbers come from
    values: dict[str, Any] = field(default_factory=dict)  # dotted key -> value
    points: dict[str, Any] = field(default_factory=dict)  # extra settings when the data are 2-D points
    per_data: dict[str, dict[str, Any]] = field(default_factory=dict)  # data name -> settings for those data only
                                                  #   (applied last, before the YAML file and overrides)


PRESETS: dict[str, Preset] = {}


def _add(preset: Preset) -> None:
    PRESETS[preset.name] = preset


# 2-D points: one architecture for every preset, so that presets differ only in what their papers change. G's
# hidden units are tanh: saturating units let G carve the latent space into flat plateaus with sharp borders, which
# is what a mixture of tight modes needs (ReLU Gs leave lines of samples between modes); Goodfellow et al. 2014's G
# also had saturating (sigmoid) units. Widths of 128: about as good as 256 on grid25 at under half the time per step
# (seed 0: 80.4% vs 78.7% high quality; 48 vs 105 ms/step on one loaded thread). Ours, benchmarks/toy2d.py.
POINTS_MODEL = {"model.name": "mlp", "model.g_activation": "tanh", "model.z_dim": 8, "model.g_width": 128,
                "model.d_width": 128, "model.g_depth": 3, "model.d_depth": 3, "train.steps": 6000}
# ... and, for the GAN family, the schedule we found best on grid25: large batches (every mode in every batch),
# a high rate decayed linearly to 0 (the modes sharpen as the rate falls).
POINTS_SCHEDULE = {"train.batch_size": 512, "optim.g_lr": 1e-3, "optim.d_lr": 1e-3, "optim.lr_decay": "linear"}

# Goodfellow et al. 2014's training recipe as we run it (k=1 D step per G step, MLP G and D). Adam 2e-4 / beta1
# 0.5 instead of the paper's SGD with momentum: ours, for stability on every data set.
GOODFELLOW = {"model.name": "mlp", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5,
              "train.n_critic": 1, "train.batch_size": 100}

_add(Preset(
    "gan", "original GAN, non-saturating G loss, MLPs",
    "Goodfellow et al. 2014: MLPs, k=1, the -log D(G(z)) G loss of its Section 3; Adam instead of SGD (ours).",
    {**GOODFELLOW, "loss.name": "ns"}, {**POINTS_MODEL, **POINTS_SCHEDULE}))
_add(Preset(
    "gan-minimax", "original GAN, saturating min log(1 - D(G(z))): stalls once D is confident (minimax_vs_ns.py)",
    "Goodfellow et al. 2014 Eq. 1 taken literally; everything else as `gan`.",
    {**GOODFELLOW, "loss.name": "minimax"}, {**POINTS_MODEL, **POINTS_SCHEDULE}))
_add(Preset(
    "pacgan", "PacGAN2: `gan` whose D judges samples in packs of 2 (the default: fast on 2-D mixtures)",
    "Lin et al. 2018: packing m=2 samples in D penalises mode collapse; everything else as `gan`.",
    {**GOODFELLOW, "loss.name": "ns", "model.pack": 2}, {**POINTS_MODEL, **POINTS_SCHEDULE}))
_add(Preset(
    "pacgan-drs", "`pacgan` sampled through discriminator rejection sampling: honest widths on 2-D mixtures",
    "Azadi et al. 2019 (DRS): after training, a density-ratio critic is fitted with G fixed and G's proposals are "
    "kept with probability min(1, exp(r(x) - M + gamma)) (sampling/rejection.py). Ours (benchmarks/toy2d.py): "
    "gamma 0 and M the 0.999 quantile of r over 20,000 proposals, robust to one outlying logit (the paper's largest "
    "r dropped the sampler on 1 of 10 ring8 seeds and 2 of 8 grid25 seeds); 12,000 steps on grid25, where G's 25 "
    "mode masses even out only in a longer low-rate phase (at 6,000, G under-fills some modes up to 25x, more than "
    "the critic corrects: reverse KL 0.037 against 0.011), 6,000 on ring8 (longer narrows its modes). 2-D points "
    "only; G as `pacgan`.",
    {**GOODFELLOW, "loss.name": "ns", "model.pack": 2, "sampler.name": "drs", "sampler.drs_gamma": 0.0,
     "sampler.drs_m_quantile": 0.999},
    {**POINTS_MODEL, **POINTS_SCHEDULE},
    per_data={"grid25": {"train.steps": 12000}}))
_add(Preset(
    "mgan", "MGAN: K generators sharing all but their input layer, told apart by a classifier on D's trunk",
    "Hoang et al. 2018 (MGAN): generator k of K is G fed a one-hot of k ~ U{0..K-1} (model.z_categories; the "
    "one-hot picks a bias of G's first layer, so the K generators share every other weight), a classifier on D's "
    "trunk says which generator made a sample and G adds beta times its cross-entropy (InfoGAN's Q and lambda: "
    "model.info_head, loss.info_weight). K must be the number of modes: 8 on ring8 and 25 on grid25 (set here; "
    "10 elsewhere: set model.z_categories for your data). Ours: hinge loss, beta 1, 12,000 steps on 2-D points "
    "(benchmarks/toy2d.py). Its modes come out narrow: the classifier pulls each generator's samples to the middle "
    "of its cell (width about 0.38 of the data's on grid25, 0.19 on ring8; README).",
    {**GOODFELLOW, "loss.name": "hinge", "model.z_categories": 10, "model.info_head": True, "loss.info_weight": 1.0},
    {**POINTS_MODEL, **POINTS_SCHEDULE, "train.steps": 12000},
    per_data={"ring8": {"model.z_categories": 8}, "grid25": {"model.z_categories": 25}}))
_add(Preset(
    "dcgan", "DCGAN: convolutional G/D with BatchNorm, non-saturating loss",
    "Radford et al. 2016: Adam lr 2e-4, beta1 0.5, batch 128, z 100, N(0, 0.02) init.",
    {"loss.name": "ns", "model.name": "dcgan", "data.name": "mnist", "optim.name": "adam", "optim.g_lr": 2e-4,
     "optim.d_lr": 2e-4, "optim.beta1": 0.5, "optim.beta2": 0.999, "train.batch_size": 128, "model.z_dim": 100}))
_add(Preset(
    "wgan", "Wasserstein GAN with weight clipping",
    "Arjovsky et al. 2017 Algorithm 1: RMSProp lr 5e-5, clip 0.01, n_critic 5, batch 64.",
    {"loss.name": "wgan", "reg.clip": 0.01, "optim.name": "rmsprop", "optim.g_lr": 5e-5, "optim.d_lr": 5e-5,
     "train.n_critic": 5, "train.batch_size": 64},
    POINTS_MODEL))
_add(Preset(
    "wgan-gp", "Wasserstein GAN with gradient penalty",
    "Gulrajani et al. 2017 Algorithm 1: lambda 10, n_critic 5, Adam lr 1e-4, betas (0, 0.9), batch 64. On 2-D "
    "points D's rate is 1e-3 (ours; a two time-scale rule, Heusel et al. 2017): at the paper's equal rates the "
    "critic lags G on our tight mixtures, and G chases a near-linear critic (ring8, 6,000 steps: 0, 8 and 8 modes "
    "over seeds 0-2, at most 24% high quality; with 1e-3: 8 modes in each, 37-52%).",
    {"loss.name": "wgan", "reg.gp_weight": 10.0, "reg.gp_center": 1.0, "optim.name": "adam", "optim.g_lr": 1e-4,
     "optim.d_lr": 1e-4, "optim.beta1": 0.0, "optim.beta2": 0.9, "train.n_critic": 5, "train.batch_size": 64},
    {**POINTS_MODEL, "optim.d_lr": 1e-3}))
_add(Preset(
    "lsgan", "least-squares GAN (0-1 coding)",
    "Mao et al. 2017: a=0, b=1, c=1; Adam lr 2e-4, beta1 0.5 (their Section 4), batch 64.",
    {"loss.name": "lsgan", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5,
     "train.batch_size": 64},
    POINTS_MODEL))
_add(Preset(
    "hinge", "hinge loss for D, linear G loss",
    "Lim & Ye 2017 loss; Adam lr 2e-4, betas (0.5, 0.999), n_critic 1: Miyato et al. 2018's setting C.",
    {"loss.name": "hinge", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5,
     "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 64},
    POINTS_MODEL))
_add(Preset(
    "dragan", "DRAGAN: non-saturating GAN with a gradient penalty around the real data",
    "Kodali et al. 2017 and their released code: lambda 10 at x + alpha 0.5 std(x) U[0, 1), ns loss, Adam lr 1e-4, "
    "betas (0.5, 0.9), n_critic 1, batch 128.",
    {"loss.name": "ns", "reg.dragan_weight": 10.0, "reg.dragan_scale": 0.5, "optim.name": "adam", "optim.g_lr": 1e-4,
     "optim.d_lr": 1e-4, "optim.beta1": 0.5, "optim.beta2": 0.9, "train.n_critic": 1, "train.batch_size": 128},
    POINTS_MODEL))
_add(Preset(
    "r1gan", "non-saturating GAN with the R1 penalty on the reals, gamma 10",
    "Mescheder et al. 2018 and their GAN_stability configs: ns loss, R1 gamma 10, RMSProp lr 1e-4, n_critic 1, "
    "batch 64, EMA of G 0.999.",
    {"loss.name": "ns", "reg.r1_gamma": 10.0, "optim.name": "rmsprop", "optim.g_lr": 1e-4, "optim.d_lr": 1e-4,
     "train.n_critic": 1, "train.batch_size": 64, "train.ema": 0.999},
    POINTS_MODEL))
_add(Preset(
    "unrolled", "unrolled GAN: G plays against D unrolled 5 Adam steps ahead",
    "Metz et al. 2017: k=5, the minimax objective f they unroll; Adam beta1 0.5, G lr 1e-3, D lr 1e-4, batch 512 as in "
    "the authors' 2-D demo notebook (poolio/unrolled_gan).",
    {"loss.name": "minimax", "train.unroll": 5, "optim.name": "adam", "optim.g_lr": 1e-3, "optim.d_lr": 1e-4,
     "optim.beta1": 0.5, "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 512},
    POINTS_MODEL))

_add(Preset(
    "sngan", "SN-GAN: hinge loss, spectral norm on every D layer",
    "Miyato et al. 2018: W / sigma(W) on every D weight with one power iteration per forward, the hinge loss of "
    "their best results, Adam lr 2e-4, betas (0.5, 0.999), n_dis 1 (their setting C), batch 64.",
    {"loss.name": "hinge", "model.spectral_norm": "d", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4,
     "optim.beta1": 0.5, "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 64},
    POINTS_MODEL))
_add(Preset(
    "rsgan", "relativistic standard GAN: D judges whether a real sample is more real than a fake one",
    "Jolicoeur-Martineau 2018 (RSGAN): D loss -log sigma(C(x_r) - C(x_f)), G the same with the roles swapped; Adam "
    "lr 2e-4, betas (0.5, 0.999), n_D 1, batch 64 (her DCGAN setting); on 2-D points the GAN family's schedule.",
    {"loss.name": "rsgan", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5,
     "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 64},
    {**POINTS_MODEL, **POINTS_SCHEDULE}))
_add(Preset(
    "ragan", "relativistic average GAN: each sample against the mean logit of the other kind",
    "Jolicoeur-Martineau 2018 (RaSGAN): C(x_r) - E C(x_f) and C(x_f) - E C(x_r) in the BCE; settings as rsgan.",
    {"loss.name": "ragan", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5,
     "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 64},
    {**POINTS_MODEL, **POINTS_SCHEDULE}))
for _div in ("tv", "kl", "reverse-kl", "pearson", "neyman", "hellinger", "jeffrey", "js", "gan"):
    _add(Preset(
        f"fgan-{_div}", f"f-GAN minimising the {_div} divergence (variational bound with its output activation)",
        "Nowozin, Cseke & Tomioka 2016: D maximises F = E_P[g_f(V(x))] - E_Q[f*(g_f(V(G(z))))], G the paper's "
        "practical -E_Q[g_f(V(G(z)))] (Sec. 3.2); Adam 2e-4, beta1 0.5, batch 64 (ours); on 2-D points the GAN "
        "family's schedule.",
        {"loss.name": f"fgan-{_div}", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4,
         "optim.beta1": 0.5, "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 64},
        {**POINTS_MODEL, **POINTS_SCHEDULE}))

# The VAE, the lecture's probabilistic baseline: no D; G is the decoder, the family's D trunk the encoder.
_add(Preset(
    "vae", "VAE: encoder + decoder trained on the ELBO (beta 1); Bernoulli decoder on images, Gaussian on points",
    "Kingma & Welling 2014: ELBO with the reparameterisation trick, Bernoulli decoder for MNIST, batch 100. Ours: "
    "Adam lr 1e-3 (the paper used Adagrad), z 20 on images, the DCGAN G / D trunk as decoder / encoder on images "
    "(the paper's are one-hidden-layer MLPs), and on 2-D points the GAN family's MLPs and schedule (so VAE and GAN "
    "see the same data per step) with a Gaussian decoder of fixed std 0.05 (in [-1, 1] training coordinates).",
    {"loss.name": "vae", "loss.beta": 1.0, "loss.decoder": "bernoulli", "optim.name": "adam", "optim.g_lr": 1e-3,
     "optim.d_lr": 1e-3, "optim.beta1": 0.9, "optim.beta2": 0.999, "train.batch_size": 100, "model.z_dim": 20},
    {**POINTS_MODEL, **POINTS_SCHEDULE, "loss.decoder": "gaussian", "loss.decoder_std": 0.05}))

_add(Preset(
    "vaegan", "VAE-GAN: the VAE's decoder is also a GAN generator; reconstruction measured on D's features",
    "Larsen et al. 2016 Algorithm 1: E, decoder and D updated from one forward (E on KL + feature-wise "
    "reconstruction, decoder on gamma * that reconstruction + GAN loss on x~ and G(z_p), D on the GAN loss), "
    "RMSProp lr 3e-4, batch 64. Ours: gamma 1, the ns GAN loss, DCGAN G / D as decoder / D and D's trunk as the "
    "encoder, z 20 on images; on 2-D points the GAN family's MLPs and schedule.",
    {"loss.name": "vaegan", "loss.beta": 1.0, "loss.vaegan_gamma": 1.0, "optim.name": "rmsprop",
     "optim.g_lr": 3e-4, "optim.d_lr": 3e-4, "train.batch_size": 64, "model.z_dim": 20},
    {**POINTS_MODEL, **POINTS_SCHEDULE, "optim.name": "adam", "optim.beta1": 0.5}))

# BiGAN: a GAN whose encoder learns to invert G against a D of (x, z) pairs (model.encoder, training/bigan.py).
_add(Preset(
    "bigan", "BiGAN: an encoder E trained adversarially with G on a D of (x, z) pairs; G(E(x)) reconstructs x",
    "Donahue et al. 2016 (permutation-invariant MNIST): fully connected G, E and D with 1024 units, BatchNorm in G, "
    "z of 50 dims, ns loss with G and E on D's swapped labels, Adam 2e-4, beta1 0.5, batch 128. Ours: a Gaussian z "
    "(the paper's is uniform on [-1, 1]), 2 hidden layers each, dropout 0.2 in D's joint layers (ALI's, Dumoulin et "
    "al. 2016), no weight decay; on 2-D points the GAN family's MLPs and schedule. model.encoder=gaussian makes it "
    "ALI.",
    {"model.encoder": "deterministic", "loss.name": "ns", "data.name": "mnist", "model.name": "mlp",
     "model.z_dim": 50, "model.g_width": 1024, "model.d_width": 1024, "model.g_depth": 2, "model.d_depth": 2,
     "model.g_norm": "batch", "model.joint_dropout": 0.2, "optim.name": "adam", "optim.g_lr": 2e-4,
     "optim.d_lr": 2e-4, "optim.beta1": 0.5, "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 128},
    {**POINTS_MODEL, **POINTS_SCHEDULE, "model.g_norm": "auto"}))

# The energy GANs on 2-D points take the GAN family's schedule (batch 512, rates 1e-3 decayed to 0): with the papers'
# small rates and batches EBGAN spreads its samples along the ring instead of onto the modes (ours, ring8, 3000 steps).
_add(Preset(
    "began", "BEGAN: autoencoder D, L1 energy, equilibrium k_t (watch began/k, began/M_global)",
    "Berthelot et al. 2017: gamma 0.5, lambda_k 0.001, k_0 0, code h = z = 64, Adam lr 1e-4, batch 16; Adam betas "
    "(0.5, 0.999) and no rate halving when M_global stalls are ours. On 2-D points it collapses (ours: 0-1 of ring8's "
    "8 modes).",
    {"loss.name": "began", "model.d_type": "autoencoder", "model.z_dim": 64,   # code h: dcgan's default, 64
     "loss.began_gamma": 0.5, "loss.began_lambda_k": 1e-3, "optim.name": "adam", "optim.g_lr": 1e-4,
     "optim.d_lr": 1e-4, "optim.beta1": 0.5, "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 16},
    {**POINTS_MODEL, **POINTS_SCHEDULE}))
_add(Preset(
    "ebgan", "EBGAN-PT: autoencoder D, MSE energy, margin loss, pull-away term",
    "Zhao et al. 2017: autoencoder D, margin loss, pull-away term weight 0.1 on the encoder's codes, Adam beta1 0.5; "
    "margin 0.5 is ours (our energy is a per-dimension mean squared error, not the paper's norm), as are lr 2e-4 "
    "and batch 64.",
    {"loss.name": "ebgan", "model.d_type": "autoencoder", "loss.ebgan_margin": 0.5, "loss.ebgan_pt_weight": 0.1,
     "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5, "optim.beta2": 0.999,
     "train.n_critic": 1, "train.batch_size": 64},
    {**POINTS_MODEL, **POINTS_SCHEDULE}))

# Class-conditional GANs need labels, so they have no 2-D settings; they train on MNIST with DCGAN's nets (Radford et
# al. 2016 settings: z 100, Adam 2e-4, beta1 0.5) unless overridden. Measured with benchmarks/class_control.py.
CONDITIONAL_MNIST = {"data.name": "mnist", "model.name": "dcgan", "model.z_dim": 100, "optim.name": "adam",
                     "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5, "optim.beta2": 0.999,
                     "train.n_critic": 1}
_add(Preset(
    "cgan", "conditional GAN: the one-hot class concatenated to G's and D's inputs",
    "Mirza & Osindero 2014: y fed to G and D with the input, batch 100, the minimax game (ns G loss); their MLPs "
    "(maxout, dropout, SGD) replaced by DCGAN nets and Adam 2e-4, beta1 0.5 (ours: on MNIST they learn in fewer "
    "steps).",
    {**CONDITIONAL_MNIST, "loss.name": "ns", "model.conditioning": "input", "train.batch_size": 100}))
_add(Preset(
    "cgan-projection", "projection discriminator (hinge); G reads the class with its input",
    "Miyato & Koyama 2018: D(x, y) = psi(phi(x)) + y^T V phi(x), hinge loss. Their G has class-conditional "
    "BatchNorm (model.g_conditioning=cbn); ours reads the one-hot class with z (input): on MNIST with CPU budgets "
    "the cbn G learned class control far slower (benchmarks/class_control.py, one shared thread: cbn min class "
    "accuracy 60.7% at step 18,779; input 98.9% at step 10,878). Adam 2e-4, betas (0.5, 0.999), n_critic 1, batch "
    "64 are the hinge preset's (ours): the paper's betas (0, 0.9) and 5 D steps go with spectral norm in D, which "
    "this preset does not use.",
    {**CONDITIONAL_MNIST, "loss.name": "hinge", "model.conditioning": "projection", "model.g_conditioning": "input",
     "train.batch_size": 64}))
_add(Preset(
    "acgan", "AC-GAN: D also classifies reals and fakes; G reads the class with its input",
    "Odena et al. 2017: auxiliary classifier on D's features, class cross-entropy (weight 1) on reals and fakes "
    "for D and on fakes for G, ns loss, Adam 2e-4, beta1 0.5, batch 100; DCGAN nets on MNIST (ours).",
    {**CONDITIONAL_MNIST, "loss.name": "ns", "model.conditioning": "acgan", "loss.ac_weight": 1.0,
     "train.batch_size": 100}))

_add(Preset(
    "infogan", "InfoGAN: 1 categorical code of 10 and 2 continuous codes that Q (on D's trunk) reads back",
    "Chen et al. 2016 (MNIST, Appendix C.1): codes c = 1 categorical of 10 + 2 uniform[-1, 1], 62 noise dims, "
    "lambda 1, Adam D 2e-4 / G 1e-3, beta1 0.5, batch 100, ns loss, the networks of their Table 1 (model.name="
    "infogan: 2 convs + FC 1024 in D, Q = FC128-BN-LeakyReLU on D's FC layer); continuous Q with unit std "
    "(fix_std) and 5,000 updates as their released MNIST launcher (openai/InfoGAN: 50 epochs x 100 updates).",
    {**CONDITIONAL_MNIST, "model.name": "infogan", "loss.name": "ns", "model.z_dim": 62, "model.z_categories": 10,
     "model.z_continuous": 2, "model.info_head": True, "loss.info_weight": 1.0, "optim.g_lr": 1e-3,
     "optim.d_lr": 2e-4, "train.batch_size": 100, "train.steps": 5000}))
_add(Preset(
    "sgan", "semi-supervised GAN: a K-class D trained on 100 labels plus unlabelled and generated data",
    "Salimans et al. 2016 Sec. 5 (MNIST) and their code (openai/improved-gan, train_mnist_feature_matching.py): "
    "100 labels (10 per class), D = Z/(Z+1) over K class logits, G trained by feature matching alone on D's last "
    "hidden layer, batch 100 (labelled batch 100); D: Gaussian noise std 0.3 on the [0, 1] input (0.6 on our "
    "[-1, 1]) and 0.5 before every later dense layer, hidden widths 1000-500-250-250-250, weight norm with the "
    "data-dependent init on the first 500 training images; G: z 100, 2 x 500 softplus + BN; Adam lr 0.003, beta1 "
    "0.5. Ours: LeakyReLU(0.2) in D for their ReLU; Gaussian z and a tanh output for their uniform z and "
    "weight-normed sigmoid; the unsupervised loss at weight 1 for their 0.5; the rate decayed linearly to 0 over "
    "the whole run (theirs: constant over their 300 epochs); 30,000 steps (50 epochs: 96.2% test accuracy on one "
    "CPU thread in 41 minutes, README).",
    {"data.name": "mnist", "model.name": "mlp", "model.semi_supervised": True, "data.labels_per_class": 10,
     "loss.name": "ns", "loss.fm_weight": 1.0, "loss.fm_only": True, "model.z_dim": 100, "model.g_width": 500,
     "model.g_depth": 2, "model.g_norm": "batch", "model.g_activation": "softplus",
     "model.d_widths": [1000, 500, 250, 250, 250], "model.d_norm": "weight", "model.d_input_noise": 0.6,
     "model.d_hidden_noise": 0.5, "optim.name": "adam", "optim.g_lr": 3e-3, "optim.d_lr": 3e-3, "optim.beta1": 0.5,
     "optim.lr_decay": "linear", "train.batch_size": 100, "train.steps": 30000}))

DEFAULT_PRESET = "pacgan"  # `ganforge train` / `make demo`: grid25 in ~35 s (pacgan-drs is more precise, ~1.5-2.5 min)


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ConfigError(unknown_name_message("preset", name, list(PRESETS)))
    return PRESETS[name]


def build_config(preset: str | None = None, data: str | None = None, overrides: Iterable[str] = (),
                 config_file: str | Path | None = None) -> Config:
    """defaults -> preset (+ its 2-D settings when the data are points, + its settings for these data by name) ->
    YAML file -> --data -> key=value.

    Later wins. A YAML file may name its preset (a saved config.yaml does); an explicit `preset` wins over it.
    """
    from ..data import POINT_DATASETS

    file_values = load_yaml(config_file) if config_file is not None else {}
    name = preset or file_values.get("preset") or DEFAULT_PRESET
    chosen = get_preset(name)

    def assemble(points: bool, data_name: str | None = None) -> Config:
        cfg = Config()
        for key, value in {**chosen.values, **(chosen.points if points else {}),
                           **chosen.per_data.get(data_name or "", {})}.items():
            set_key(cfg, key, value)
        update_from_dict(cfg, {k: v for k, v in file_values.items() if k != "preset"})
        if data is not None:
            cfg.data.name = data
        apply_overrides(cfg, overrides)
        cfg.preset = name
        return cfg

    cfg = assemble(points=False)  # first pass: which data does this run use?
    if (chosen.points and cfg.data.name in POINT_DATASETS) or cfg.data.name in chosen.per_data:
        cfg = assemble(points=cfg.data.name in POINT_DATASETS, data_name=cfg.data.name)
    return cfg


def preset_table() -> str:
    """The presets as a fixed-width table for `ganforge presets`."""
    rows = [("preset", "what", "loss", "optimiser", "n_critic", "batch", "source")]
    for p in PRESETS.values():
        cfg = build_config(p.name, data="digits")  # the papers' settings; 2-D points get the footnote's
        o = cfg.optim
        opt = f"{o.name} {o.g_lr:g}" + (f" b=({o.beta1:g},{o.beta2:g})" if o.name == "adam" else "")
        extra = []
        if cfg.reg.clip:
            extra.append(f"clip {cfg.reg.clip:g}")
        if cfg.reg.gp_weight:
            extra.append(f"GP {cfg.reg.gp_weight:g}")
        if cfg.reg.r1_gamma:
            extra.append(f"R1 {cfg.reg.r1_gamma:g}")
        if cfg.reg.dragan_weight:
            extra.append(f"DRAGAN {cfg.reg.dragan_weight:g}")
        if cfg.train.unroll:
            extra.append(f"unroll {cfg.train.unroll}")
        if cfg.train.ema:
            extra.append(f"EMA {cfg.train.ema:g}")
        if cfg.model.spectral_norm != "none":
            extra.append(f"SN on {cfg.model.spectral_norm.upper() if len(cfg.model.spectral_norm) == 1 else 'G, D'}")
        if cfg.model.d_type == "autoencoder":
            extra.append("autoencoder D")
        if cfg.model.encoder != "none":
            extra.append(f"{cfg.model.encoder} encoder")
        if cfg.model.conditioning != "none":
            extra.append(f"{cfg.model.conditioning}-conditional")
        if cfg.model.info_head:
            extra.append(f"Q head (lambda {cfg.loss.info_weight:g})")
        loss = cfg.loss.name + (f" + {', '.join(extra)}" if extra else "")
        rows.append((p.name, p.summary, loss, opt, str(cfg.train.n_critic), str(cfg.train.batch_size), p.source))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines += [f"{p.name}: {p.source}" for p in PRESETS.values()]
    fmt = lambda d: ", ".join(f"{k}={v}" for k, v in d.items())  # noqa: E731
    with_schedule = [p.name for p in PRESETS.values() if all(p.points.get(k) == v for k, v in POINTS_SCHEDULE.items())]
    lines += ["", f"On 2-D points (ring8, grid25, ...) every unconditional preset but dcgan also sets: "
                  f"{fmt(POINTS_MODEL)}",
              f"and {', '.join(with_schedule)} also: {fmt(POINTS_SCHEDULE)}"]
    return "\n".join(lines)
