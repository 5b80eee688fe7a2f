"""WGAN and WGAN-GP: the critic, weight clipping in the critic's own step, the gradient penalty."""
import numpy as np
import pytest
import tensorflow as tf

from gan_graph.figures import family as family_figures
from gan_graph.models import wgan
from gan_graph.nn import losses
from gan_graph.train import checkpoints, manifest
from conftest import build_graph, feed as make_feed, names, run_script

v1 = tf.compat.v1

CRITIC_VARIABLES = [
    ('critic/conv2d/kernel', (5, 5, 1, 64)), ('critic/conv2d/bias', (64,)),
    ('critic/conv2d_1/kernel', (5, 5, 64, 128)), ('critic/conv2d_1/bias', (128,)),
    ('critic/dense/kernel', (6272, 1)), ('critic/dense/bias', (1,))]


def build(seed=0, **kwargs):
    return build_graph(wgan.describe, seed, **kwargs)


@pytest.mark.parametrize('mode', wgan.MODES)
def test_critic_is_the_dcgan_discriminator_without_batch_norm_or_sigmoid(mode):
    graph, model = build(mode=mode)
    assert [(var.op.name, tuple(var.shape.as_list())) for var in model.variables['critic']] == CRITIC_VARIABLES
    assert names(model.variables['generator'])[0] == 'generator/dense/kernel' and len(model.variables['generator']) == 10
    critic_ops = [op for op in graph.get_operations() if op.name.startswith('critic')]
    assert not any(op.type in ('Sigmoid', 'FusedBatchNormV3') or 'batch_norm' in op.name for op in critic_ops)
    assert graph.get_operation_by_name('critic/dense/BiasAdd').outputs[0].shape.as_list() == [None, 1]
    assert [(step.name, step.repeats, step.feed) for step in model.description.steps] == [
        ('critic', 5, 'new_batch'), ('generator', 1, 'new_noise')]
    assert model.description.logged_losses == ['Critic', 'Generator']
    assert model.description.module == 'wgan' and model.description.hparams['mode'] == mode
    with graph.as_default():
        slots = {name.rsplit('/', 1)[1] for name in names(v1.global_variables()) if name.startswith('critic/')}
    assert slots - {'kernel', 'bias'} == ({'RMSProp', 'RMSProp_1'} if mode == 'wgan' else {'Adam', 'Adam_1'})


def test_a_critic_step_updates_then_clips_every_critic_weight():
    graph, model = build(mode='wgan', clip_value=0.01)
    rng = np.random.RandomState(0)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        # Weights far outside the box (glorot-uniform kernels start there too).
        for var in model.variables['critic']:
            value = rng.uniform(-0.5, 0.5, var.shape.as_list())
            value.flat[0] = 0.001  # one weight inside in each variable
            var.load(value, sess)
        [rms] = [var for var in v1.global_variables() if var.op.name == 'critic/dense/kernel/RMSProp']
        before = sess.run(model.variables['critic'])
        rms_before = sess.run(rms)
        feed = make_feed(model, rng.uniform(-1, 1, (4, 784)), rng)
        sess.run(model.train_ops[model.description.steps[0].name], feed)
        after = sess.run(model.variables['critic'])
        rms_after = sess.run(rms)
        generator_before = sess.run(model.variables['generator'])
        sess.run(model.train_ops[model.description.steps[1].name], feed)  # the generator step leaves the critic alone
        assert all(np.array_equal(a, b) for a, b in zip(after, sess.run(model.variables['critic'])))
        assert not all(np.array_equal(a, b) for a, b in zip(generator_before, sess.run(model.variables['generator'])))
    assert not np.array_equal(rms_before, rms_after)  # the same sess.run took an RMSProp step
    for var, old, new in zip(model.variables['critic'], before, after):
        assert np.abs(new).max() <= 0.01
        if var.op.name != 'critic/dense/bias':  # E[C(fake)] - E[C(real)] does not depend on the last bias
            inside = np.abs(old) < 0.005  # moved by the step, not clipped
            assert not np.array_equal(new[inside], old[inside])


def tiny_critic_numpy(x, w):
    """C(x) = sum(tanh(x * w)) + (sum x)^2 / 10, per example: nonlinear, so the gradient varies with x."""
    flat = x.reshape(len(x), -1)
    return np.tanh(flat * w).sum(axis=1) + flat.sum(axis=1) ** 2 / 10


def tiny_critic(x, w):
    flat = tf.reshape(x, (-1, w.size))
    return (tf.reduce_sum(tf.tanh(flat * w), axis=1, keepdims=True)
            + tf.reduce_sum(flat, axis=1, keepdims=True) ** 2 / 10)


def test_gradient_penalty_equals_finite_differences_on_a_tiny_critic():
    rng = np.random.RandomState(0)
    real = rng.normal(size=(4, 2, 3, 1))
    fake = rng.normal(size=(4, 2, 3, 1))
    w = rng.normal(size=6)
    alpha = rng.uniform(size=(4, 1, 1, 1))
    with tf.Graph().as_default(), v1.Session() as sess:
        penalty = sess.run(losses.gradient_penalty(lambda x: tiny_critic(x, w), tf.constant(real),
                                                        tf.constant(fake), tf.constant(alpha)))
    x_hat = real + alpha * (fake - real)
    eps = 1e-6
    gradients = np.zeros_like(x_hat)
    for index in np.ndindex(x_hat.shape[1:]):
        step = np.zeros_like(x_hat)
        step[(slice(None),) + index] = eps
        gradients[(slice(None),) + index] = (tiny_critic_numpy(x_hat + step, w)
                                             - tiny_critic_numpy(x_hat - step, w)) / (2 * eps)
    norms = np.sqrt((gradients.reshape(4, -1) ** 2).sum(axis=1))
    assert penalty == pytest.approx(np.mean((norms - 1) ** 2), rel=1e-6)


def test_one_alpha_per_example():
    rng = np.random.RandomState(1)
    with tf.Graph().as_default() as graph:
        real, fake = tf.constant(rng.normal(size=(64, 28, 28, 1))), tf.constant(rng.normal(size=(64, 28, 28, 1)))
        alpha = losses.per_example_alpha(real, seed=1)
        x_hat = losses.interpolates(real, fake, alpha)
        with v1.Session(graph=graph) as sess:
            alpha_value, x_value, real_value, fake_value = sess.run([alpha, x_hat, real, fake])
    assert alpha_value.shape == (64, 1, 1, 1) and 0 <= alpha_value.min() and alpha_value.max() < 1
    ratios = ((x_value - real_value) / (fake_value - real_value)).reshape(64, -1)
    np.testing.assert_allclose(ratios, np.repeat(alpha_value.reshape(64, 1), 784, axis=1), rtol=1e-6)
    assert len(np.unique(alpha_value)) == 64
    # The model draws its alphas the same way: one per example of the fed batch.
    graph, model = build(mode='wgan-gp')
    alpha_tensor = graph.get_tensor_by_name('alpha:0')
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        assert sess.run(alpha_tensor, {model.placeholders['real']: np.zeros((5, 784))}).shape == (5, 1, 1, 1)


def test_penalized_critic_loss_is_the_wasserstein_loss_plus_lambda_times_the_penalty():
    graph, model = build(mode='wgan-gp', gp_lambda=10.0)
    rng = np.random.RandomState(0)
    penalty = graph.get_tensor_by_name('gradient_penalty:0')
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        feed = make_feed(model, rng.uniform(-1, 1, (6, 784)), rng)
        c_real = graph.get_tensor_by_name('critic/dense/BiasAdd:0')
        c_fake = graph.get_tensor_by_name('critic_1/dense/BiasAdd:0')
        loss, gp, real_scores, fake_scores = sess.run([model.losses['Critic'], penalty, c_real, c_fake], feed)
    assert loss == pytest.approx(fake_scores.mean() - real_scores.mean() + 10.0 * gp, rel=1e-5)
    assert family_figures.wasserstein_estimates([(loss, 0.0)])[0] == pytest.approx(-loss)


def test_wasserstein_figure_plots_minus_the_critic_loss_per_epoch():
    fig = family_figures.wasserstein_figure([(-0.5, 1.0), (-0.25, 2.0), (-0.1, 3.0)])
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), [0.5, 0.25, 0.1])
    np.testing.assert_allclose(line.get_xdata(), [1, 2, 3])


def test_script_runs_gp_mode_and_rejects_bad_flags(tmp_path):
    result = run_script('train_wgan.py', '--mode=wgan-gp', '--epochs=1', '--max_batches_per_epoch=5',
                        '--batch_size=8', '--kernel_size=3', '--seed=1', '--notensorboard',
                        f'--output_dir={tmp_path}')
    assert result.stdout.startswith('Epoch 1/1... Critic Loss: ') and result.stderr == ''
    assert '--mode=wgan-gp\n' in (tmp_path / 'flags.txt').read_text()
    bad = run_script('train_wgan.py', '--clip_value=0', f'--output_dir={tmp_path}/bad', check=False)
    assert bad.returncode != 0 and 'flag --clip_value=0' in bad.stderr and 'Traceback' not in bad.stderr


def test_a_wgan_run_names_its_losses_critic_and_generator(tmp_path):
    manifest.write(str(tmp_path), manifest.of(wgan.describe(mode='wgan-gp')))
    assert manifest.read(str(tmp_path))['losses'] == ['Critic', 'Generator']
    assert tuple(family_figures.loss_names(str(tmp_path))) == ('Critic', 'Generator')
    assert tuple(family_figures.loss_names(str(tmp_path / 'elsewhere'))) == ('Discriminator', 'Generator')
