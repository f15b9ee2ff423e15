"""Typed configuration: one dataclass per component, defaults in one place.

The flow of a run reads top to bottom: data -> model -> loss (+ regularisers) -> optimiser -> training -> output.
Every field says what it does and what 0/None means. Names that are looked up in a registry (dataset, model,
loss) are checked against that registry by :func:`ganforge.config.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class DataConfig:
    name: str = "grid25"            # dataset: a 2-D toy (ring8, grid25, ...), digits, mnist, folder, points
    path: str | None = None         # folder of images, point file (.npy/.csv) or MNIST directory; None = default
    resolution: int | None = None   # images are resized/cropped to this; None = the dataset's native size
    channels: int | None = None     # folder images: 1 (grayscale) or 3 (RGB); None = the dataset's default
    split: Literal["train", "test"] = "train"
    root: str | None = None         # cache for downloaded data; None = $GANFORGE_HOME or ~/.cache/ganforge
    labels_per_class: int = 0       # semi-supervised GAN: D sees the labels of only this many images per class (a
                                    #   balanced subset drawn with train.seed), the rest unlabelled; 0 = off


@dataclass
class ModelConfig:
    name: str = "auto"              # model registry name: mlp, dcgan; auto = mlp for 2-D points, dcgan for images
    z_dim: int | None = None        # latent size, z ~ N(0, I); None = the family's default (mlp 64, dcgan 100)
    z_categories: int = 0           # K > 0 appends a one-hot of k ~ U{0..K-1} to z: a mixture prior that lets G
                                    #   make separated modes without bridges (models/latent.py); 0 = Gaussian only
    z_continuous: int = 0           # m > 0 appends m codes u ~ U[-1, 1] to z (InfoGAN's continuous codes); 0 = none
    info_head: bool = False         # InfoGAN (Chen 2016): D's trunk also feeds a Q head predicting G's codes (the
                                    #   one-hot and continuous parts of z), trained on loss.info_weight * L_I
    semi_supervised: bool = False   # semi-supervised GAN (Salimans 2016 Sec. 5): D's head is K class logits and its
                                    #   real/fake logit their logsumexp; needs data.labels_per_class > 0
    g_width: int | None = None      # mlp: hidden units (default 256); dcgan: channels at the finest level (default 64),
    d_width: int | None = None      #   doubled at each coarser level, as in Radford et al. 2016
    g_depth: int = 3                # mlp only: hidden layers (DCGAN's depth follows from the resolution)
    d_depth: int = 3
    d_widths: list[int] | None = None  # mlp only: D's hidden widths, first to last, e.g. [1000, 500, 250, 250, 250]
                                    #   (Salimans 2016's MNIST D); replaces d_width and d_depth; None = uniform
    d_norm: Literal["none", "weight"] = "none"  # weight: weight normalisation w = g v / ||v|| on every Linear/Conv
                                    #   of D (Salimans & Kingma 2016; Salimans 2016's semi-supervised D), g and b
                                    #   set by their data-dependent init on the first 500 training examples; none = off
    d_input_noise: float = 0.0      # mlp only: std of Gaussian noise added to D's input in training mode
                                    #   (Salimans 2016: 0.3 on [0, 1] pixels, i.e. 0.6 on our [-1, 1]); 0 = off
    d_hidden_noise: float = 0.0     # mlp only: std of Gaussian noise added, in training mode, to every hidden layer's
                                    #   output before the next layer, the output layer included (Salimans: 0.5); 0 = off
    g_activation: Literal["relu", "tanh", "leaky_relu", "softplus"] = "relu"  # mlp only: G's hidden nonlinearity
    g_norm: Literal["auto", "none", "batch", "virtual"] = "auto"   # G's hidden-layer normalisation: batch norm, or
                                    #   virtual batch norm over a fixed reference batch (Salimans et al. 2016);
                                    #   auto = the family's own: none for mlp, batch for dcgan (as Radford et al.)
    vbn_ref_size: int = 64          # g_norm=virtual: size of G's fixed reference batch of z (saved in checkpoints)
    spectral_norm: Literal["none", "d", "g", "both"] = "none"      # W / sigma(W) on every weight layer of D, G or
                                    #   both (Miyato et al. 2018; one power iteration per training forward)
    mbstd_group: int = 0            # D: minibatch standard deviation over groups of this many samples, before D's
                                    #   head (Karras et al. 2018 use 4); must divide the batch; 0 = off
    mbdisc_kernels: int = 0         # D: minibatch discrimination with B kernels before D's head (Salimans et al.
    mbdisc_dim: int = 5             #   2016: B = 100, each kernel comparing samples in C = 5 dims); B = 0 = off
    pack: int = 1                   # mlp only: D judges m samples at once (PacGAN, Lin et al. 2018); 1 = off
    d_type: Literal["classifier", "autoencoder"] = "classifier"    # autoencoder: D(x) = -energy, the reconstruction
                                    #   error of an autoencoder (BEGAN, EBGAN; needs loss.name=began or ebgan)
    d_code: int | None = None       # autoencoder D: size of the code between encoder and decoder; None = the
                                    #   family's default (mlp 8, dcgan 64 as Berthelot et al.'s h)
    channels_last: bool = False     # dcgan: NHWC memory format (faster convolutions on some CPUs and GPUs)
    conditioning: Literal["none", "input", "hidden", "projection", "acgan"] = "none"
                                    # class-conditional GAN (data with labels): how D reads the class c.
                                    #   input: one-hot c concatenated to x (cGAN, Mirza & Osindero 2014);
                                    #   hidden: to D's first hidden layer; projection: logit + <V_c, features>
                                    #   (Miyato & Koyama 2018); acgan: D does not read c but also classifies x
                                    #   (AC-GAN, Odena et al. 2017; weight loss.ac_weight); none: unconditional
    g_conditioning: Literal["auto", "input", "hidden", "cbn"] = "auto"
                                    # how G reads c: input: one-hot concatenated to z; hidden: to G's first hidden
                                    #   layer; cbn: class-dependent BatchNorm gain and bias in every G layer;
                                    #   auto: input for input/acgan, hidden for hidden, cbn for projection
    encoder: Literal["none", "deterministic", "gaussian"] = "none"
                                    # BiGAN / ALI: an encoder E trained adversarially with G against a D of pairs
                                    #   (x, z) (training/bigan.py). deterministic: z = E(x) (BiGAN, Donahue 2016);
                                    #   gaussian: z ~ N(mu(x), sigma(x)^2) reparameterised (ALI, Dumoulin 2016);
                                    #   none: a plain GAN. The VAE's encoder is always Gaussian (keep none there)
    joint_dropout: float = 0.0      # BiGAN / ALI: dropout rate in D's joint (x, z) layers (ALI: 0.2); 0 = off


@dataclass
class LossConfig:
    name: str = "ns"                # adversarial loss from the loss registry: minimax, ns, wgan, lsgan, hinge, ...;
                                    #   began, ebgan: energy losses of an autoencoder D (model.d_type=autoencoder);
                                    #   vae: no adversary, G is the decoder of a VAE trained with an encoder E;
                                    #   vaegan: VAE-GAN (Larsen 2016), that VAE with D (ns loss) and D's features
    beta: float = 1.0               # vae: weight of the KL term; 1 = the ELBO (Kingma & Welling 2014), > 1 beta-VAE
    decoder: Literal["gaussian", "bernoulli"] = "gaussian"  # vae: p(x|z); gaussian N(G(z), decoder_std^2 I);
                                    #   bernoulli (images only): pixels (x + 1) / 2 in [0, 1], mean (G(z) + 1) / 2
    decoder_std: float = 0.1        # vae, gaussian decoder: its fixed std, in training coordinates ([-1, 1])
    vaegan_gamma: float = 1.0       # vaegan: weight of the feature-wise reconstruction in the decoder's loss
                                    #   against its adversarial term (Larsen et al. 2016's gamma)
    began_gamma: float = 0.5        # BEGAN: diversity ratio E L(G(z)) / E L(x) that k_t steers to (paper: 0.3-0.7)
    began_lambda_k: float = 1e-3    # BEGAN: gain of the k_t update (paper: 0.001)
    ebgan_margin: float = 1.0       # EBGAN: margin m up to which D pushes the fakes' energy (mean squared error)
    ebgan_pt_weight: float = 0.1    # EBGAN: weight of the pull-away term in G's loss (paper: 0.1); 0 = plain EBGAN
    real_label: float = 1.0         # one-sided label smoothing (Salimans 2016 Sec. 3.4): D's BCE target for reals,
                                    #   e.g. 0.9; fakes keep 0. 1 = off. Only for the BCE losses ns and minimax
    fm_weight: float = 0.0          # feature matching (Salimans 2016 Sec. 3.1): adds w * ||E f(x) - E f(G(z))||^2
                                    #   to G's loss, f = D.features; 0 = off
    fm_only: bool = False           # G minimises the feature-matching term alone, no adversarial term (the paper's
                                    #   setting); needs fm_weight > 0
    ac_weight: float | None = None  # AC-GAN (model.conditioning=acgan only): weight of the class cross-entropy
                                    #   added to D's loss (reals + fakes) and G's (fakes); None = 1 (Odena 2017)
    info_weight: float | None = None  # InfoGAN (model.info_head only): lambda of the mutual-information term -L_I
                                    #   added to G's loss and to D's (Q's weights live in D); None = 1 (Chen 2016)


@dataclass
class RegConfig:
    gp_weight: float = 0.0          # WGAN-GP penalty weight lambda on interpolates (Gulrajani 2017); 0 disables
    gp_center: float = 1.0          # target gradient norm of that penalty: 1 = WGAN-GP; 0 = the zero-centred GP
                                    #   (Thanh-Tung, Tran & Venkatesh 2019), E||grad D(x_hat)||^2
    clip: float = 0.0               # clip every D weight into [-clip, clip] after each D update (WGAN); 0 disables
    r1_gamma: float = 0.0           # R1 (Mescheder 2018): gamma/2 * E||grad D(x)||^2 on reals; 0 disables
    r2_gamma: float = 0.0           # R2 (Mescheder 2018): gamma/2 * E||grad D(G(z))||^2 on fakes; 0 disables
    reg_every: int = 1              # lazy R1/R2 (Karras 2020): every N D updates, as an extra D update with the
                                    #   penalty times N (and D's lr * c, Adam betas ** c, c = N / (N + 1)); 1 = in
                                    #   every D update
    dragan_weight: float = 0.0      # DRAGAN (Kodali 2017): lambda * E(||grad D(x_hat)|| - 1)^2 around the reals;
                                    #   0 disables
    dragan_scale: float = 0.5       # DRAGAN's perturbation x + scale * std(x) * U[0, 1) (the official code's 0.5)
    ortho_weight: float = 0.0       # orthogonal regularisation beta * sum_W R(W) over Linear/Conv weights; 0 disables
    ortho_nets: Literal["g", "d", "both"] = "g"  # whose weights: G (BigGAN), D or both
    ortho_off_diagonal: bool = True  # R = ||W^T W * (1 - I)||^2 (Brock 2019, BigGAN); false: ||W^T W - I||^2
                                    #   (Brock 2017)
    hist_weight: float = 0.0        # historical averaging (Salimans 2016 Sec. 3.3): w * ||theta - mean of past
                                    #   thetas||^2 in G's and in D's loss; 0 disables
    instance_noise: float = 0.0     # instance noise (Sonderby 2016; Arjovsky & Bottou 2017): std of N(0, std^2) added
                                    #   to every input of D, real and fake; 0 disables
    instance_noise_end: int = 0     # G step at which that std, annealed linearly, reaches 0; 0 = train.steps


@dataclass
class OptimConfig:
    name: Literal["adam", "rmsprop", "sgd"] = "adam"
    g_lr: float = 2e-4              # separate rates for G and D (TTUR, Heusel 2017)
    d_lr: float = 2e-4
    beta1: float = 0.5              # adam only
    beta2: float = 0.999            # adam only
    momentum: float = 0.0           # sgd / rmsprop momentum
    lr_decay: Literal["none", "linear"] = "none"  # linear: both rates fall to 0 at the last step


@dataclass
class TrainConfig:
    steps: int = 2000               # generator updates
    batch_size: int = 128
    n_critic: int = 1               # D updates per G update (k in Goodfellow 2014 Algorithm 1)
    unroll: int = 0                 # unrolled GAN (Metz 2016): G's loss against D advanced k extra steps on the
                                    #   batch, differentiated through those steps; 0 = off
    consensus: float = 0.0          # consensus optimisation (Mescheder 2017): simultaneous G and D updates on each
                                    #   loss + gamma/2 ||v||^2, v = both players' gradients; gamma, 0 = off
    ema: float = 0.0                # decay of the EMA copy of G's weights (G_ema); 0 disables
    ema_start: int = 0              # G step from which G_ema starts averaging (before it, G_ema copies G)
    d_ema: float = 0.0              # decay of a bias-corrected EMA of D's weights (D_ema), updated every G step,
                                    #   that a semi-supervised run is scored with (Salimans et al. 2016's test-time
                                    #   average of D); 0 disables
    seed: int = 0
    device: str = "auto"            # auto (cuda when available), cpu, cuda, cuda:1, ...
    log_every: int = 50             # scalars to console / metrics.jsonl every N G steps
    sample_every: int = 500         # sample grid / 2-D scatter every N G steps; 0 = only at the end
    eval_every: int = 500           # 2-D quality metrics every N G steps; 0 = only at the end
    ckpt_every: int = 1000          # checkpoint every N G steps; 0 = only at the end (and on Ctrl-C)
    threads: int = 0                # torch CPU threads; 0 = torch's default
    max_minutes: float = 0.0        # wall-time budget: then stop as at the last step (checkpoint, pictures); 0 = off


@dataclass
class EvalConfig:
    metrics: str = ""               # image runs: scores every train.eval_every steps, e.g. "fid,kid"; "" = off
    n: int = 2000                   # generated images per evaluation
    ref: str | None = None          # reference "<dataset>:<split>"; None = the training data's test split
    extractor: str = "classifier"   # classifier (ours: `ganforge classifier train DATA`) or inception
    best: str | None = None         # keep checkpoints/best.pt by this score (e.g. fid); None = off


@dataclass
class SamplerConfig:
    name: Literal["direct", "drs"] = "direct"  # how a trained G is sampled: direct, x = G(z); drs: discriminator
                                    #   rejection sampling (Azadi 2019, sampling/rejection.py), 2-D points only
    drs_steps: int = 2000           # drs: training steps of the density-ratio critic, G fixed, after training
    drs_lr: float = 1e-3            # drs: the critic's Adam rate (constant, then linearly to 0 over the second half)
    drs_batch_size: int = 1024      # drs: real and generated samples per critic step
    drs_fourier: float = 4.0        # drs: sigma of the critic's random Fourier input features (Tancik 2020); 0 = none
    drs_gamma: float = 2.0          # drs: acceptance min(1, exp(r(x) - M + gamma)); 0 = rejection sampling, exact
                                    #   but for the samples above M (capped at 1); > 0 accepts more, less exactly
    drs_m_quantile: float = 1.0     # drs: M = this quantile of r over drs_burn_in generated samples: 1 = the largest,
                                    #   as Azadi 2019; below 1, robust to one outlying logit but caps the rarest modes
    drs_burn_in: int = 20000        # drs: generated samples M is estimated on
    drs_min_accept: float = 0.0     # drs: if > 0, lower M until the expected acceptance on the burn-in samples is at
                                    #   least this (exact where affordable; robust to one outlying logit); 0 = off


@dataclass
class OutputConfig:
    dir: str = "runs"               # parent folder of run directories
    name: str | None = None         # run directory name; None = <preset>-<data>-<timestamp>
    progress: bool = True           # tqdm progress bar with live losses
    tensorboard: bool = True        # also log to TensorBoard when the tensorboard package is installed
    n_samples: int = 64             # images in each sample grid (fixed noise)


@dataclass
class Config:
    preset: str = "custom"          # the preset this config started from (recorded, not applied again)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    reg: RegConfig = field(default_factory=RegConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
