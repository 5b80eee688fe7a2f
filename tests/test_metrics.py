"""Each metric against numpy on small fixed inputs, and bad input gets a clear error."""
import math
import subprocess
import sys

import numpy as np
import pytest

from gan_graph.evaluate import metrics


# ------------------------------------------------------------------------------ classifier score

def test_classifier_score_matches_its_formula_on_a_fixed_softmax():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.25, 0.25]])
    marginal = probs.mean(axis=0)
    by_hand = math.exp(np.mean([sum(p[k] * math.log(p[k] / marginal[k]) for k in range(3)) for p in probs]))
    assert metrics.classifier_score(probs) == pytest.approx(by_hand, rel=1e-12)
    assert metrics.classifier_score(probs) == pytest.approx(1.2573864, rel=1e-6)  # the number itself


def test_classifier_score_extremes():
    assert metrics.classifier_score(np.eye(10)) == pytest.approx(10.0)           # confident, all classes
    assert metrics.classifier_score(np.tile(np.eye(10)[3], (7, 1))) == pytest.approx(1.0)  # one class
    assert metrics.classifier_score(np.full((5, 10), 0.1)) == pytest.approx(1.0)  # no confidence
    # 0 log 0 = 0: exact one-hot rows give no NaN
    assert np.isfinite(metrics.classifier_score(np.eye(10)[[0, 0, 1]]))


def test_classifier_score_splits_average_the_parts():
    probs = np.vstack([np.eye(10), np.tile(np.eye(10)[0], (10, 1))])
    assert metrics.classifier_score(probs, splits=2) == pytest.approx((10.0 + 1.0) / 2)


@pytest.mark.parametrize('probs, message', [
    (np.ones((3, 4)), 'sum to 1'),
    (np.array([[1.2, -0.2], [0.5, 0.5]]), 'non-negative'),
    (np.ones(10) / 10, 'shape'),
])
def test_classifier_score_rejects_non_probabilities(probs, message):
    with pytest.raises(ValueError, match=message):
        metrics.classifier_score(probs)


# ------------------------------------------------------------------------------ Fréchet distance

def direct_frechet(mu1, s1, mu2, s2):
    """Tr (S1 S2)^(1/2) from the eigenvalues of S1 S2 itself (non-symmetric, real and >= 0 for PSD)."""
    eigenvalues = np.linalg.eigvals(s1 @ s2)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                 - 2 * np.sum(np.sqrt(np.clip(eigenvalues.real, 0, None))))


def test_frechet_distance_of_1d_gaussians_is_mean_gap_plus_std_gap_squared():
    # (m1 - m2)^2 + (s1 - s2)^2 for N(m1, s1^2), N(m2, s2^2)
    assert metrics.frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + 1.0)


def test_frechet_distance_of_commuting_covariances_is_closed_form():
    # diagonal covariances commute: Tr (S1 S2)^(1/2) = sum sqrt(a_i b_i)
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 16.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = 1 + 0 + 4 + sum(a + b - 2 * np.sqrt(a * b))
    assert metrics.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected)
    assert expected == pytest.approx(5.0 + 3 * 1.0)


def test_frechet_distance_equals_direct_computation_on_tiny_gaussians():
    rng = np.random.RandomState(0)
    for dim in (2, 3, 5):
        a, b = rng.randn(dim, dim), rng.randn(dim, dim)
        s1, s2 = a @ a.T + 0.1 * np.eye(dim), b @ b.T
        mu1, mu2 = rng.randn(dim), rng.randn(dim)
        assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(direct_frechet(mu1, s1, mu2, s2), rel=1e-9)
        # symmetric in its arguments
        assert metrics.frechet_distance(mu2, s2, mu1, s1) == pytest.approx(metrics.frechet_distance(mu1, s1, mu2, s2))


def test_frechet_distance_of_identical_sets_is_zero_and_of_features_uses_sample_statistics():
    rng = np.random.RandomState(1)
    features = rng.randn(200, 6) @ rng.randn(6, 6)
    assert metrics.frechet_distance_of_features(features, features.copy()) == pytest.approx(0.0, abs=1e-8)
    other = rng.randn(150, 6) + 0.5
    mu1, s1 = features.mean(0), np.cov(features.T)
    mu2, s2 = other.mean(0), np.cov(other.T)
    assert metrics.frechet_distance_of_features(features, other) == pytest.approx(direct_frechet(mu1, s1, mu2, s2),
                                                                                  rel=1e-9)


def test_frechet_distance_survives_singular_covariances():
    # relu features often have dead units: zero rows/columns in the covariance
    s1, s2 = np.diag([1.0, 0.0, 2.0]), np.diag([0.0, 0.0, 2.0])
    assert metrics.frechet_distance(np.zeros(3), s1, np.zeros(3), s2) == pytest.approx(1.0)


def test_sqrtm_psd_squares_back():
    rng = np.random.RandomState(2)
    a = rng.randn(4, 4)
    s = a @ a.T
    root = metrics.sqrtm_psd(s)
    np.testing.assert_allclose(root @ root, s, atol=1e-10)
    np.testing.assert_allclose(root, root.T, atol=1e-12)


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match='shapes do not match'):
        metrics.frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match='N >= 2'):
        metrics.feature_statistics(np.zeros((1, 4)))


# ------------------------------------------------------------------------------ mode coverage

def test_mode_coverage_histogram_modes_and_kl():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 16 + [3] * 4)   # 4% for digit 3: not a mode
    result = metrics.mode_coverage(labels)
    histogram = np.array([0.5, 0.3, 0.16, 0.04] + [0] * 6)
    np.testing.assert_allclose(result['class_histogram'], histogram)
    assert result['modes_covered'] == 3
    nonzero = histogram[histogram > 0]
    assert result['kl_to_uniform'] == pytest.approx(np.sum(nonzero * np.log(nonzero * 10)))


def test_mode_coverage_extremes_and_probabilities_input():
    assert metrics.mode_coverage(np.arange(100) % 10)['kl_to_uniform'] == pytest.approx(0.0)
    assert metrics.mode_coverage(np.arange(100) % 10)['modes_covered'] == 10
    one = metrics.mode_coverage(np.full(20, 7))
    assert one['modes_covered'] == 1 and one['kl_to_uniform'] == pytest.approx(math.log(10))
    probs = np.eye(10)[[2, 2, 5, 9]] * 0.9 + 0.01
    assert metrics.mode_coverage(probs)['class_histogram'][2] == pytest.approx(0.5)
    with pytest.raises(ValueError, match='labels must be in'):
        metrics.mode_coverage(np.array([0, 10]))


# ------------------------------------------------------------------------------ nearest neighbours

def test_nearest_neighbours_match_brute_force():
    rng = np.random.RandomState(3)
    references = rng.uniform(-1, 1, (57, 784)).astype(np.float32)
    queries = rng.uniform(-1, 1, (23, 784)).astype(np.float32)
    queries[5] = references[40]                      # an exact copy: distance 0
    distances, indices = metrics.nearest_neighbours(queries, references, chunk_size=4)
    brute = np.sqrt(((queries[:, None, :].astype(np.float64) - references[None]) ** 2).sum(-1))
    np.testing.assert_array_equal(indices, brute.argmin(1))
    np.testing.assert_allclose(distances, brute.min(1), rtol=1e-12)
    assert distances[5] == 0.0 and indices[5] == 40


def test_nearest_neighbour_check_threshold_and_fraction():
    reference = np.arange(1, 101, dtype=np.float64)     # 5th percentile (linear): 5.95
    samples = np.array([0.0, 1.0, 5.9, 6.0, 50.0])
    result = metrics.nearest_neighbour_check(samples, reference)
    assert result['nn_threshold'] == pytest.approx(5.95)
    assert result['nn_fraction'] == pytest.approx(3 / 5)
    assert result['median_nn_distance'] == pytest.approx(5.9)
    assert result['reference_median_nn_distance'] == pytest.approx(50.5)
    # the reference against itself: the percentile by construction
    assert metrics.nearest_neighbour_check(reference, reference)['nn_fraction'] == pytest.approx(0.05)


def test_nearest_neighbour_check_of_images_flags_copies():
    rng = np.random.RandomState(4)
    train = rng.uniform(-1, 1, (300, 784)).astype(np.float32)
    test = rng.uniform(-1, 1, (100, 784)).astype(np.float32)
    copies = train[:20] + rng.normal(0, 0.01, (20, 784)).astype(np.float32)
    fresh = rng.uniform(-1, 1, (20, 784)).astype(np.float32)
    assert metrics.nearest_neighbour_check_of_images(np.clip(copies, -1, 1), train, test)['nn_fraction'] == 1.0
    assert metrics.nearest_neighbour_check_of_images(fresh, train, test)['nn_fraction'] <= 0.2


# ------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize('images, message', [
    (np.zeros((4, 28, 28)), r'shape \(N, 784\), got \(4, 28, 28\) \(flatten'),
    (np.zeros((4, 783)), r'shape \(N, 784\), got \(4, 783\)'),
    (np.zeros(784), r'shape \(N, 784\), got \(784,\)'),
    (np.zeros((0, 784)), 'at least 1'),
    (np.full((3, 784), 255.0), r'\[-1, 1\].*from 255 to 255.*\[0, 255\] or \[0, 1\]'),
    (np.full((3, 784), -1.5), r'\[-1, 1\].*from -1.5'),
    (np.array([['a'] * 784]), 'numeric'),
])
def test_check_images_rejects_bad_input_clearly(images, message):
    with pytest.raises(ValueError, match=message):
        metrics.check_images(images)


def test_check_images_names_the_nan_and_allows_rounding():
    images = np.zeros((3, 784), np.float32)
    images[2, 17] = np.nan
    with pytest.raises(ValueError, match=r'1 NaN or infinite values \(first: image 2, pixel 17'):
        metrics.check_images(images, 'samples')
    slightly = np.full((2, 784), 1.0 + 1e-5, np.float32)
    assert metrics.check_images(slightly).max() == 1.0   # tanh rounding is clipped, not refused


def test_wrappers_check_images_before_judging():
    with pytest.raises(ValueError, match=r'images_a must have shape \(N, 784\)'):
        metrics.frechet_distance_of_images(np.zeros((5, 10)), np.zeros((5, 784)), judge=object())
    with pytest.raises(ValueError, match=r'must be in \[-1, 1\]'):
        metrics.classifier_score_of_images(np.full((2, 784), 2.0), judge=object())


class PixelJudge:
    """A stand-in judge: class = the first pixel's sign (0 or 1); features = the first two pixels."""

    def __init__(self):
        self.seen = []

    def predict(self, images):
        self.seen.append(images)
        positive = (images[:, 0] > 0).astype(np.float64)
        return np.stack([1 - positive, positive], axis=1), images[:, :2].astype(np.float64)


def test_wrappers_run_the_judge_they_are_given():
    images = np.zeros((4, 784), np.float32)
    images[:2, 0], images[:, 1] = 0.5, [0.1, -0.2, 0.3, 0.0]
    judge = PixelJudge()
    # half the images confidently each class: the score is the number of classes, 2
    assert metrics.classifier_score_of_images(images, judge) == pytest.approx(2.0)
    assert metrics.mode_coverage_of_images(images, judge)['class_histogram'] == [0.5, 0.5]
    assert metrics.frechet_distance_of_images(images, images, judge) == pytest.approx(0.0, abs=1e-12)
    assert len(judge.seen) == 4 and judge.seen[0].dtype == np.float32


def test_the_metrics_do_not_import_the_judge():
    """The judge imports metrics (to check its input), not the other way round."""
    code = ('import sys; import gan_graph.evaluate.metrics; '
            'print(sorted(m for m in sys.modules if m.startswith("gan_graph.evaluate.")))')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['gan_graph.evaluate.metrics']"
