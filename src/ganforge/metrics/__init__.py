"""Sample-quality metrics over any feature extractor: pure functions of arrays [N, D] (numpy or torch).

Inputs are converted to float64 numpy; results are Python floats, tuples or small dataclasses. Importing this
package loads numpy only (scipy, sklearn are imported inside the functions that need them).

| metric                                   | module          | paper                                  |
|------------------------------------------|-----------------|----------------------------------------|
| frechet_distance, fid_from_features      | frechet         | Heusel et al. 2017 (FID)               |
| inception_score                          | inception_score | Salimans et al. 2016                   |
| kernel_inception_distance                | kid             | Binkowski et al. 2018 (KID)            |
| precision_recall                         | prdc            | Kynkäänniemi et al. 2019               |
| density_coverage                         | prdc            | Naeem et al. 2020                      |
| parzen, MMD, birthday, C2ST, NN, modes   | classic         | see ganforge.metrics.classic           |
"""

from .classic import (
    PARZEN_CAVEAT,
    BirthdayResult,
    C2STResult,
    ClosestPairs,
    MemorisationResult,
    ParzenResult,
    birthday_paradox_support,
    classifier_two_sample_test,
    closest_pairs,
    median_heuristic,
    mmd_rbf,
    mode_statistics,
    nearest_neighbour_grid,
    nearest_neighbour_memorisation,
    parzen_log_likelihood,
    support_from_batch_size,
)
from .frechet import fid_from_features, frechet_distance, gaussian_statistics
from .inception_score import inception_score, inception_score_from_probs
from .kid import kernel_inception_distance, mmd2_unbiased_from_kernels, polynomial_kernel
from .prdc import density_coverage, knn_radii, precision_recall

# from .toy2d import *  # noqa

__all__ = [
    "PARZEN_CAVEAT",
    "BirthdayResult",
    "C2STResult",
    "ClosestPairs",
    "MemorisationResult",
    "ParzenResult",
    "birthday_paradox_support",
    "classifier_two_sample_test",
    "closest_pairs",
    "density_coverage",
    "fid_from_features",
    "frechet_distance",
    "gaussian_statistics",
    "inception_score",
    "inception_score_from_probs",
    "kernel_inception_distance",
    "knn_radii",
    "median_heuristic",
    "mmd2_unbiased_from_kernels",
    "mmd_rbf",
    "mode_statistics",
    "nearest_neighbour_grid",
    "nearest_neighbour_memorisation",
    "parzen_log_likelihood",
    "polynomial_kernel",
    "precision_recall",
    "support_from_batch_size",
]
