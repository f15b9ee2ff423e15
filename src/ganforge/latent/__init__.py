"""Latent-space tools for any trained generator, needing no dataset: one module per job.

    truncation      resample |z_i| > t (BigGAN's truncation trick)              truncate, sample_truncated
    conditional     class labels c for a class-conditional G, range-checked     class_labels, num_classes
    interpolation   lerp / slerp paths between latents                          lerp, slerp, interpolate
    arithmetic      mean(z_A) - mean(z_B) + z_C (DCGAN's vector arithmetic)     latent_arithmetic
    inversion       argmin_z |G(z) - x| by Adam with restarts; best-of-n        invert, best_of_random
    inpainting      Yeh et al. 2017: context + prior loss, then blend           inpaint, make_mask
    images          image and mask files brought to G's shape                   read_image, read_mask

z = [eps, one-hot] (models/latent.py): every tool acts on the Gaussian part eps and leaves the one-hot part as it
is (interpolation says what it does between two different categories). Images are [N, C, H, W] in [-1, 1].
"""

from .arithmetic import latent_arithmetic
from .conditional import class_labels, num_classes
from .images import read_image, read_mask
from .inpainting import InpaintResult, hole_mse, importance_weights, inpaint, make_mask
from .interpolation import interpolate, lerp, slerp
from .inversion import InversionResult, best_of_random, invert, pixel_error
from .truncation import sample_truncated, truncate, truncate_latent

__all__ = ["InpaintResult", "InversionResult", "best_of_random", "class_labels", "hole_mse", "importance_weights",
           "inpaint", "interpolate", "invert", "latent_arithmetic", "lerp", "make_mask", "num_classes",
           "pixel_error", "read_image", "read_mask", "sample_truncated", "slerp", "truncate", "truncate_latent"]
