"""The 1-D GAN of Figure 1: D -> D* with G fixed, p_g -> p_data, the figure states, the script."""
import gan_graph  # noqa: F401  (first: quiets TensorFlow)

import os
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

from gan_graph.toys import gaussian_1d as g1d

tf1 = tf.compat.v1
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, 'scripts', 'train_gaussian_1d.py')
CONFIG = g1d.DEFAULTS


@pytest.fixture(scope='module')
def result():
    return g1d.train(CONFIG)


def test_final_generator_distribution_matches_the_data(result):
    assert abs(result.final_mean - CONFIG.data_mean) < 0.2 * CONFIG.data_std
    assert abs(result.final_std / CONFIG.data_std - 1) < 0.15


def test_discriminator_is_near_one_half_on_the_data_at_the_end(result):
    end = result.snapshots['d']
    assert abs(g1d.mean_under(end.p_data, end.d) - 0.5) < 0.05
    assert g1d.mean_under(end.p_data, np.abs(end.d - 0.5)) < 0.1
    assert end.d_star_error < 0.08


def test_figure_states_are_the_papers_sequence(result):
    a, b, c, d = (result.snapshots[label] for label in 'abcd')
    mu, sigma = CONFIG.data_mean, CONFIG.data_std
    # (a): near convergence but off; D partly right.
    assert 0 < a.step < CONFIG.steps
    assert abs(a.g_mean - mu) < CONFIG.snapshot_gap * sigma
    assert a.d_star_error > d.d_star_error
    # (b): G untouched, D closer to D*.
    np.testing.assert_array_equal(a.g_of_z_line, b.g_of_z_line)
    assert b.d_star_error < a.d_star_error
    # (c): D untouched, G(z) moved towards the data.
    np.testing.assert_array_equal(b.d, c.d)
    assert abs(c.g_mean - mu) < abs(b.g_mean - mu)
    # (d) is the end of plain training: the detour did not change it.
    assert d.step == CONFIG.steps
    assert d.g_mean == pytest.approx(result.final_mean, abs=1e-6)


def test_discriminator_approaches_d_star_after_k_steps_with_g_fixed():
    """Train a while, give D fresh weights, then run D steps with G fixed: |D - D*| shrinks."""
    config = CONFIG._replace(seed=1)
    rng = np.random.RandomState(config.seed)
    with tf.Graph().as_default() as graph:
        graph.seed = config.seed
        gan = g1d.GAN1D(config)
        with tf1.Session(config=g1d.session_config()) as sess:
            sess.run(gan.init_op)
            run = g1d.Runner(sess, gan, config)
            for _ in range(200):
                for _ in range(config.d_steps):
                    run.d_step(rng)
                run.g_step(rng)
            g_before = run.generate(run.eval_z)
            x = g1d.x_grid(config, [g_before])
            trained_error = run.snapshot('trained', 0, x).d_star_error
            sess.run(gan.d_reset_op)
            errors = [run.snapshot('fresh', 0, x).d_star_error]
            k = config.d_steps
            for steps in (k, 10 * k, 100 * k):
                for _ in range(steps):
                    run.d_step(rng)
                errors.append(run.snapshot('k', 0, x).d_star_error)
            np.testing.assert_array_equal(run.generate(run.eval_z), g_before)  # G really was fixed
    assert errors[0] > 0.2                              # a fresh D is far from D*
    assert all(later < earlier for earlier, later in zip(errors, errors[1:]))
    assert errors[-1] < 0.1 and errors[-1] < errors[0] / 3
    assert errors[-1] < trained_error + 0.02            # as close as the D that training kept up


def test_density_estimate_and_optimal_discriminator():
    rng = np.random.RandomState(0)
    x = np.linspace(-4, 4, 201)
    estimate = g1d.kde(rng.normal(0.0, 1.0, 20000), x)
    assert np.max(np.abs(estimate - g1d.normal_pdf(x, 0.0, 1.0))) < 0.02
    assert np.sum(estimate) * (x[1] - x[0]) == pytest.approx(1.0, abs=0.01)
    p = g1d.normal_pdf(x, 0.0, 1.0)
    same = g1d.optimal_discriminator(p, p)
    assert np.isnan(same[0]) and np.isnan(same[-1])     # no mass in the far tails: D* undefined
    np.testing.assert_allclose(same[np.isfinite(same)], 0.5)
    d_star = g1d.optimal_discriminator(p, g1d.normal_pdf(x, 3.0, 0.5))
    assert d_star[np.argmin(np.abs(x))] > 0.99          # only data at 0
    assert d_star[np.argmin(np.abs(x - 3.5))] < 0.01    # only fakes at 3.5
    assert g1d.d_star_error(np.full_like(x, 0.5), np.full_like(x, 0.5), p, p) == 0.0


def test_nets_are_variable_scoped_mlps_of_the_shared_dense_layer():
    with tf.Graph().as_default() as graph:
        g1d.GAN1D(CONFIG)
        trainable = sorted(v.op.name for v in tf1.trainable_variables())
        ops = {op.type for op in graph.get_operations()}
    assert trainable == ['discriminator/dense/bias', 'discriminator/dense/kernel',
                         'discriminator/dense_1/bias', 'discriminator/dense_1/kernel',
                         'discriminator/dense_2/bias', 'discriminator/dense_2/kernel',
                         'generator/dense/bias', 'generator/dense/kernel',
                         'generator/dense_1/bias', 'generator/dense_1/kernel']
    assert not any('keras' in op.lower() for op in ops)


def _run_script(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], cwd=REPO, capture_output=True, text=True, timeout=180)


def test_script_writes_the_figure(tmp_path):
    proc = _run_script('--steps=150', '--figure_d_steps=30', '--figure_g_steps=5', f'--output_dir={tmp_path}')
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == ''
    assert 'final p_g: mean' in proc.stdout and 'figure_1.png' in proc.stdout
    image = matplotlib.image.imread(os.path.join(tmp_path, 'figure_1.png'))
    assert image.ndim == 3 and image.shape[1] > 1000 and image.std() > 0.01


def test_script_rejects_bad_flags_naming_the_flag(tmp_path):
    # --verbose skips the quiet TensorFlow import in `import gan_graph`: flag errors come before any TF.
    proc = _run_script('--d_steps=0', '--verbose', f'--output_dir={tmp_path}')
    assert proc.returncode != 0
    assert '--d_steps' in proc.stderr and 'Traceback' not in proc.stderr
    assert not os.listdir(tmp_path)
