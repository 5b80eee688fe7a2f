"""Sample-quality numbers for MNIST GANs, computed with the MNIST judge (`gan_graph.evaluate.judge`).

The core functions are plain numpy over the judge's outputs, so each can be checked by hand:

- `classifier_score(probs)`: the Inception-score formula on the judge's softmax,
  exp(mean_i KL(p(y|x_i) || p(y))) with p(y) the mean of p(y|x_i) over the samples. Between 1 (every
  sample gets the same class distribution) and 10 (confident and evenly spread over the 10 digits).
- `frechet_distance(mu1, sigma1, mu2, sigma2)`: ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) between
  Gaussians fitted to the judge's 128 penultimate-layer features. Tr (S1 S2)^(1/2) is computed as
  Tr (S1^(1/2) S2 S1^(1/2))^(1/2): the same eigenvalues, but of a symmetric PSD matrix, so `eigh` does
  it (no scipy).
- `mode_coverage(predicted)`: the predicted-class histogram (fractions), how many classes hold at least
  5% of the samples, and KL(histogram || uniform) in nats (0 = all ten digits equally often,
  ln 10 = 2.303 = one digit only).
- `nearest_neighbour_check(sample_distances, reference_distances)`: memorisation. For every sample, the
  L2 distance (pixels in [-1, 1]) to its nearest training image; the threshold is the 5th percentile
  of the same distance for the 10,000 test images, which the GAN never saw. The reported fraction is
  the share of samples closer to a training image than 95% of test images are: about 0.05 for samples
  as novel as fresh data, far above it for a generator that copies its training set.

The `*_of_images` wrappers take images (N, 784) in [-1, 1], as the generators produce them, check
them (`check_images`) and run the judge they are given.
"""
import numpy as np

IMAGE_SIZE = 784
NUM_CLASSES = 10
RANGE_TOLERANCE = 1e-3       # float rounding around tanh's [-1, 1]
MODE_THRESHOLD = 0.05        # a class "is covered" when it holds at least 5% of the samples
NN_PERCENTILE = 5.0          # threshold of the nearest-neighbour check: this percentile of test distances


def check_images(images, name='images', min_count=1):
    """images as float32 (N, 784) in [-1, 1], or ValueError saying what is wrong and where."""
    try:
        array = np.asarray(images)
    except (TypeError, ValueError) as err:
        raise ValueError(f'{name} must be an array of shape (N, {IMAGE_SIZE}): {err}') from err
    if array.dtype == object or not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f'{name} must be a numeric array of shape (N, {IMAGE_SIZE}), got dtype {array.dtype}')
    if array.ndim != 2 or array.shape[1] != IMAGE_SIZE:
        hint = ' (flatten 28x28 images to 784)' if array.shape[-2:] == (28, 28) else ''
        raise ValueError(f'{name} must have shape (N, {IMAGE_SIZE}), got {array.shape}{hint}')
    if array.shape[0] < min_count:
        raise ValueError(f'{name} must hold at least {min_count} images, got {array.shape[0]}')
    array = array.astype(np.float32, copy=False)
    finite = np.isfinite(array)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        raise ValueError(f'{name} hold {int(np.sum(~finite))} NaN or infinite values (first: image {row}, '
                         f'pixel {col} = {array[row, col]})')
    low, high = float(array.min()), float(array.max())
    if low < -1 - RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        hint = ' (images in [0, 255] or [0, 1]? map them to [-1, 1] first)' if low >= 0 else ''
        raise ValueError(f'{name} must be in [-1, 1] like the generator\'s tanh output; found values from '
                         f'{low:.4g} to {high:.4g}{hint}')
    return np.clip(array, -1.0, 1.0)


def check_probs(probs, name='probs'):
    """Rows of class probabilities (N, K): non-negative, summing to 1."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] < 1 or probs.shape[1] < 2:
        raise ValueError(f'{name} must have shape (N, num_classes) with N >= 1, got {probs.shape}')
    if not np.all(np.isfinite(probs)) or probs.min() < 0:
        raise ValueError(f'{name} must be finite and non-negative')
    sums = probs.sum(axis=1)
    if np.max(np.abs(sums - 1)) > 1e-3:
        raise ValueError(f'{name}: each row must sum to 1 (a softmax), row {int(np.argmax(np.abs(sums - 1)))} '
                         f'sums to {sums[np.argmax(np.abs(sums - 1))]:.6g}')
    return probs


def _xlogy_ratio(p, q):
    """p * log(p / q) elementwise, with 0 log 0 = 0."""
    safe_p = np.where(p > 0, p, 1.0)
    safe_q = np.where(q > 0, q, 1.0)
    return np.where(p > 0, p * (np.log(safe_p) - np.log(safe_q)), 0.0)


def classifier_score(probs, splits=1):
    """exp(mean_i KL(p(y|x_i) || p(y))), p(y) = mean_i p(y|x_i); with `splits` > 1 the mean of the
    score over that many equal parts (the Inception score's convention), else over all samples."""
    probs = check_probs(probs)
    if not 1 <= splits <= len(probs):
        raise ValueError(f'splits must be between 1 and the number of samples ({len(probs)}), got {splits}')
    scores = []
    for part in np.array_split(probs, splits):
        marginal = part.mean(axis=0, keepdims=True)
        scores.append(np.exp(np.mean(np.sum(_xlogy_ratio(part, marginal), axis=1))))
    return float(np.mean(scores))


def feature_statistics(features):
    """(mean, covariance with N - 1) of features (N, D), in float64."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f'features must have shape (N, D) with N >= 2 to estimate a covariance, '
                         f'got {features.shape}')
    if not np.all(np.isfinite(features)):
        raise ValueError('features hold NaN or infinite values')
    return features.mean(axis=0), np.cov(features, rowvar=False, ddof=1).reshape(features.shape[1], -1)


def sqrtm_psd(matrix):
    """The PSD square root of a symmetric PSD matrix (eigendecomposition; tiny negative eigenvalues,
    from rounding, are taken as 0)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))) @ eigenvectors.T


def trace_sqrt_product(sigma1, sigma2):
    """Tr (S1 S2)^(1/2) = Tr (S1^(1/2) S2 S1^(1/2))^(1/2) for symmetric PSD S1, S2."""
    root1 = sqrtm_psd(sigma1)
    middle = root1 @ np.asarray(sigma2, dtype=np.float64) @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0, None))))


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (squared, as FID reports it)."""
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    dim = mu1.shape[0]
    if mu2.shape != (dim,) or sigma1.shape != (dim, dim) or sigma2.shape != (dim, dim):
        raise ValueError(f'shapes do not match: mu1 {mu1.shape}, sigma1 {sigma1.shape}, mu2 {mu2.shape}, '
                         f'sigma2 {sigma2.shape}')
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt_product(sigma1, sigma2)
    return float(max(value, 0.0))  # >= 0 exactly; rounding can give -1e-12


def frechet_distance_of_features(features_a, features_b):
    return frechet_distance(*feature_statistics(features_a), *feature_statistics(features_b))


def class_histogram(predicted, num_classes=NUM_CLASSES):
    """Fraction of samples per predicted class; `predicted` is labels (N,) or probabilities (N, K)."""
    predicted = np.asarray(predicted)
    if predicted.ndim == 2:
        num_classes = predicted.shape[1]
        predicted = np.argmax(predicted, axis=1)
    if predicted.ndim != 1 or predicted.size == 0:
        raise ValueError(f'predicted must be labels (N,) or probabilities (N, K), got shape {predicted.shape}')
    if predicted.min() < 0 or predicted.max() >= num_classes:
        raise ValueError(f'predicted labels must be in [0, {num_classes}), got {predicted.min()}..{predicted.max()}')
    return np.bincount(predicted.astype(np.int64), minlength=num_classes) / predicted.size


def mode_coverage(predicted, num_classes=NUM_CLASSES, threshold=MODE_THRESHOLD):
    """{'class_histogram': fractions per class, 'modes_covered': classes with >= threshold of the samples,
    'kl_to_uniform': KL(histogram || uniform) in nats}."""
    histogram = class_histogram(predicted, num_classes)
    uniform = np.full_like(histogram, 1.0 / len(histogram))
    return {'class_histogram': [float(x) for x in histogram],
            'modes_covered': int(np.sum(histogram >= threshold)),
            'kl_to_uniform': float(np.sum(_xlogy_ratio(histogram, uniform)))}


def nearest_neighbours(queries, references, chunk_size=500):
    """(L2 distance to the nearest reference, its index) for each query row.

    Chunked float32 ||q||^2 + ||r||^2 - 2 q.r finds the neighbour (a chunk of 500 queries against
    60,000 references is 120 MB); the winning distance is then recomputed exactly in float64.
    """
    queries = np.asarray(queries, np.float32)
    references = np.asarray(references, np.float32)
    if queries.ndim != 2 or references.ndim != 2 or queries.shape[1] != references.shape[1] or not len(references):
        raise ValueError(f'queries {queries.shape} and references {references.shape} must be (N, D) and (M, D), M >= 1')
    reference_sq = np.einsum('ij,ij->i', references, references)
    indices = np.empty(len(queries), np.int64)
    for start in range(0, len(queries), chunk_size):
        chunk = queries[start:start + chunk_size]
        squared = reference_sq[None, :] - 2.0 * (chunk @ references.T)  # + ||q||^2: same for the row
        indices[start:start + len(chunk)] = np.argmin(squared, axis=1)
    nearest = references[indices].astype(np.float64)
    distances = np.sqrt(np.sum((queries.astype(np.float64) - nearest) ** 2, axis=1))
    return distances, indices


def nearest_neighbour_check(sample_distances, reference_distances, percentile=NN_PERCENTILE):
    """Share of samples nearer to a training image than `percentile`% of test images are.

    {'nn_fraction', 'nn_threshold' (that percentile of the test distances), 'nn_percentile',
    'median_nn_distance' (of the samples), 'reference_median_nn_distance' (of the test images)}.
    """
    sample_distances = np.asarray(sample_distances, np.float64)
    reference_distances = np.asarray(reference_distances, np.float64)
    if sample_distances.ndim != 1 or reference_distances.ndim != 1 or not sample_distances.size \
            or not reference_distances.size:
        raise ValueError('nearest-neighbour distances must be non-empty 1-D arrays')
    if not 0 < percentile < 100:
        raise ValueError(f'percentile must be in (0, 100), got {percentile}')
    threshold = float(np.percentile(reference_distances, percentile))
    return {'nn_fraction': float(np.mean(sample_distances < threshold)),
            'nn_threshold': threshold,
            'nn_percentile': float(percentile),
            'median_nn_distance': float(np.median(sample_distances)),
            'reference_median_nn_distance': float(np.median(reference_distances))}


# ------------------------------------------------------------------------------ over images, with the judge
# `judge`: anything with `predict(images) -> (probs, features)`, as `judge.Judge`; passed in, so the plain
# numbers above need no TensorFlow.

def classifier_score_of_images(images, judge, splits=1):
    images = check_images(images)
    probs, _ = judge.predict(images)
    return classifier_score(probs, splits)


def frechet_distance_of_images(images_a, images_b, judge):
    images_a = check_images(images_a, 'images_a', min_count=2)
    images_b = check_images(images_b, 'images_b', min_count=2)
    _, features_a = judge.predict(images_a)
    _, features_b = judge.predict(images_b)
    return frechet_distance_of_features(features_a, features_b)


def mode_coverage_of_images(images, judge):
    images = check_images(images)
    probs, _ = judge.predict(images)
    return mode_coverage(probs)


def nearest_neighbour_check_of_images(images, train_images, test_images=None, reference_distances=None,
                                      percentile=NN_PERCENTILE):
    """The memorisation check for images against `train_images` (all in [-1, 1]); the test distances
    are computed from `test_images` or given as `reference_distances`."""
    images = check_images(images)
    train_images = check_images(train_images, 'train_images')
    if reference_distances is None:
        if test_images is None:
            raise ValueError('give test_images or reference_distances for the nearest-neighbour threshold')
        reference_distances, _ = nearest_neighbours(check_images(test_images, 'test_images'), train_images)
    distances, _ = nearest_neighbours(images, train_images)
    return nearest_neighbour_check(distances, reference_distances, percentile)
