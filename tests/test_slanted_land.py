"""Slanted land: the tutorial's logged numbers, graph mode against numpy, gradients, the script."""
import gan_graph  # noqa: F401  (first: quiets TensorFlow)

import os
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

from gan_graph.toys import slanted_land as sl

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, 'scripts', 'train_slanted_land.py')

# The tutorial's first and last logged errors (seed 42, learning rate 0.01, 1000 epochs).
TUTORIAL_G_FIRST, TUTORIAL_G_LAST = 0.2941224709942739, 0.6852828334117493
TUTORIAL_D_FIRST, TUTORIAL_D_LAST = 3.5051301686820624, 4.515820419898356


@pytest.fixture(scope='module')
def numpy_run():
    return sl.train('numpy', num_generated=4)


@pytest.fixture(scope='module')
def graph_run():
    return sl.train('graph', num_generated=4)


def test_numpy_mode_reproduces_the_tutorials_logged_errors(numpy_run):
    assert len(numpy_run.g_errors) == len(numpy_run.d_errors) == sl.EPOCHS * len(sl.FACES)
    # Bit for bit but for the last ulp of D's last error (4.515820419898355 here), which depends on
    # the platform's exp/log rounding.
    assert numpy_run.g_errors[0] == pytest.approx(TUTORIAL_G_FIRST, rel=1e-12, abs=0)
    assert numpy_run.g_errors[-1] == pytest.approx(TUTORIAL_G_LAST, rel=1e-12, abs=0)
    assert numpy_run.d_errors[0] == pytest.approx(TUTORIAL_D_FIRST, rel=1e-12, abs=0)
    assert numpy_run.d_errors[-1] == pytest.approx(TUTORIAL_D_LAST, rel=1e-12, abs=0)


def test_initial_values_follow_the_tutorials_draw_order():
    np.random.seed(42)  # the tutorial's global-state calls, one scalar at a time
    d_weights = [np.random.normal() for _ in range(4)]
    d_bias = np.random.normal()
    g_weights = [np.random.normal() for _ in range(4)]
    g_biases = [np.random.normal() for _ in range(4)]
    first_z = np.random.rand()
    rng = np.random.RandomState(42)
    init = sl.initial_values(rng)
    np.testing.assert_array_equal(init.d_weights, d_weights)
    assert init.d_bias == d_bias
    np.testing.assert_array_equal(init.g_weights, g_weights)
    np.testing.assert_array_equal(init.g_biases, g_biases)
    assert rng.rand() == first_z


@pytest.mark.parametrize('atol', [1e-6, 1e-10])
def test_graph_mode_matches_numpy_mode_throughout(numpy_run, graph_run, atol):
    # 1e-6 is the requirement. Both runs are float64 and agree to ~1e-15, so 1e-10 catches a float32
    # leaking in (a float32 learning rate, for one, drifts by ~1e-8).
    np.testing.assert_allclose(graph_run.g_errors, numpy_run.g_errors, rtol=0, atol=atol)
    np.testing.assert_allclose(graph_run.d_errors, numpy_run.d_errors, rtol=0, atol=atol)
    for name in ('d_weights', 'd_bias', 'g_weights', 'g_biases', 'generated_zs', 'generated'):
        np.testing.assert_allclose(getattr(graph_run, name), getattr(numpy_run, name), rtol=0, atol=atol)


def test_graph_mode_uses_scoped_variables_and_tf_gradients():
    init = sl.initial_values(np.random.RandomState(0))
    with tf.Graph().as_default() as graph:
        sl.GraphNets(init)
        names = sorted(v.op.name for v in tf.compat.v1.global_variables())
        assert names == ['discriminator/bias', 'discriminator/weights', 'generator/biases', 'generator/weights']
        assert any(op.type == 'ApplyGradientDescent' or op.type == 'ResourceApplyGradientDescent'
                   for op in graph.get_operations())


def _finite_difference(f, params, eps=1e-6):
    params = np.array(params, dtype=float)
    grad = np.zeros_like(params)
    for i in range(params.size):
        step = np.zeros_like(params)
        step.flat[i] = eps
        grad.flat[i] = (f(params + step) - f(params - step)) / (2 * eps)
    return grad


def test_hand_derived_gradients_match_finite_differences():
    rng = np.random.RandomState(3)
    init = sl.initial_values(rng)
    image, noise, z = sl.FACES[1], rng.rand(4), rng.rand()

    def d_with(params):
        return sl.Discriminator(params[:4], params[4])

    d_params = np.append(init.d_weights, init.d_bias)
    D = d_with(d_params)
    for error, derivatives, x in (('error_from_image', 'derivatives_from_image', image),
                                  ('error_from_noise', 'derivatives_from_noise', noise)):
        dw, db = getattr(D, derivatives)(x)
        numeric = _finite_difference(lambda p: getattr(d_with(p), error)(x), d_params)
        np.testing.assert_allclose(np.append(dw, db), numeric, rtol=1e-6, atol=1e-8)

    def g_with(params):
        return sl.Generator(params[:4], params[4:])

    g_params = np.append(init.g_weights, init.g_biases)
    dw, db = g_with(g_params).derivatives(z, D)
    numeric = _finite_difference(lambda p: g_with(p).error(z, D), g_params)
    np.testing.assert_allclose(np.append(dw, db), numeric, rtol=1e-6, atol=1e-8)


def test_corrected_d_error_logs_d_on_the_fake_and_trains_the_same(numpy_run):
    corrected = sl.train('numpy', d_error='corrected', epochs=2)
    np.testing.assert_array_equal(corrected.g_errors, numpy_run.g_errors[:10])
    rng = np.random.RandomState(sl.SEED)
    init = sl.initial_values(rng)
    D = sl.Discriminator(init.d_weights, init.d_bias)
    G = sl.Generator(init.g_weights, init.g_biases)
    D.update_from_image(sl.FACES[0])
    z = rng.rand()
    expected = D.error_from_image(sl.FACES[0]) + D.error_from_noise(G.forward(z))
    assert corrected.d_errors[0] == pytest.approx(expected, rel=1e-14)


def test_training_makes_faces(numpy_run):
    # Generated images are backslash diagonals: the diagonal dark, the anti-diagonal light.
    for image in numpy_run.generated:
        assert min(image[0], image[3]) > 0.8 and max(image[1], image[2]) < 0.2


def _run_script(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_script_writes_readable_figures(tmp_path):
    # --verbose keeps `import gan_graph` from loading TensorFlow, which the numpy mode never needs:
    # seconds saved on a shared machine. (test_gaussian_1d runs a script without it, quiet output and all.)
    proc = _run_script('--verbose', f'--output_dir={tmp_path}')
    assert proc.returncode == 0, proc.stderr
    assert '0.2941224709942739' in proc.stdout and '0.6852828334117493' in proc.stdout
    assert '3.5051301686820624' in proc.stdout
    assert 'tensorflow' not in proc.stderr.lower()
    for name in ('faces_and_noise.png', 'errors.png', 'generated.png'):
        image = matplotlib.image.imread(os.path.join(tmp_path, name))
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
        assert image.std() > 0.01  # not blank


def test_script_rejects_bad_flags_naming_the_flag(tmp_path):
    # --verbose skips the quiet TensorFlow import in `import gan_graph`: flag errors come before any TF.
    proc = _run_script('--learning_rate=-1', '--verbose', f'--output_dir={tmp_path}')
    assert proc.returncode != 0
    assert 'learning_rate' in proc.stderr and 'Traceback' not in proc.stderr
    assert not os.listdir(tmp_path)
