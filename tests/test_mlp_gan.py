"""The graph is the notebook's: variable names, shapes, initializers, reuse, losses, and which step
changes which variables."""
import numpy as np
import pytest
import tensorflow as tf

from gan_graph.models import mlp_gan
from gan_graph.nn import losses
from conftest import build_graph, feed as make_feed

v1 = tf.compat.v1

# The trainable variables the original notebook's tf.layers graph creates, in order.
ORIGINAL_VARIABLES = {
    'udacity': [('generator/dense/kernel', (100, 128)), ('generator/dense/bias', (128,)),
                ('generator/dense_1/kernel', (128, 784)), ('generator/dense_1/bias', (784,)),
                ('discriminator/dense/kernel', (784, 128)), ('discriminator/dense/bias', (128,)),
                ('discriminator/dense_1/kernel', (128, 1)), ('discriminator/dense_1/bias', (1,))],
    'blog': [('generator/dense/kernel', (100, 128)), ('generator/dense/bias', (128,)),
             ('generator/dense_1/kernel', (128, 256)), ('generator/dense_1/bias', (256,)),
             ('generator/dense_2/kernel', (256, 784)), ('generator/dense_2/bias', (784,)),
             ('discriminator/dense/kernel', (784, 128)), ('discriminator/dense/bias', (128,)),
             ('discriminator/dense_1/kernel', (128, 256)), ('discriminator/dense_1/bias', (256,)),
             ('discriminator/dense_2/kernel', (256, 1)), ('discriminator/dense_2/bias', (1,))],
}


def build(arch='udacity', seed=0, **kwargs):
    return build_graph(mlp_gan.describe, seed, arch=arch, **kwargs)


@pytest.mark.parametrize('arch', mlp_gan.ARCHS)
def test_variable_names_and_shapes_match_the_original(arch):
    graph, model = build(arch)
    with graph.as_default():
        found = [(var.op.name, tuple(var.shape.as_list())) for var in v1.trainable_variables()]
    assert found == ORIGINAL_VARIABLES[arch]
    assert [v.op.name for v in model.variables['generator']] == [n for n, _ in ORIGINAL_VARIABLES[arch] if n.startswith('gen')]
    assert [v.op.name for v in model.variables['discriminator']] == [n for n, _ in ORIGINAL_VARIABLES[arch] if n.startswith('disc')]


def test_placeholders_carry_the_notebook_names():
    graph, model = build()
    assert model.placeholders['real'].op.name == 'input_real' and model.placeholders['real'].shape.as_list() == [None, 784]
    assert model.placeholders['z'].op.name == 'input_z' and model.placeholders['z'].shape.as_list() == [None, 100]


def test_reuse_shares_variables_between_the_two_discriminators_and_the_sampler():
    graph, model = build('blog')
    with graph.as_default():
        names = [var.op.name for var in v1.trainable_variables()]
        # discriminator built twice and generator twice (training + sampler): still one set each
        assert len(names) == len(set(names)) == 12
        assert len(v1.get_collection(v1.GraphKeys.TRAINABLE_VARIABLES, scope='generator')) == 6


def test_initializers_are_glorot_uniform_kernels_and_zero_biases():
    graph, model = build('blog', seed=3)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        for var in model.variables['generator'] + model.variables['discriminator']:
            value = sess.run(var)
            if var.op.name.endswith('bias'):
                assert not value.any()
            else:
                fan_in, fan_out = value.shape
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                assert np.abs(value).max() <= limit
                # uniform on [-limit, limit]: std = limit / sqrt(3)
                assert abs(value.std() - limit / np.sqrt(3)) < 0.1 * limit / np.sqrt(3)


def test_generator_output_is_tanh_and_leaky_relu_is_max_form():
    graph, model = build()
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        z = np.random.RandomState(0).uniform(-1, 1, (5, 100))
        out = sess.run(model.samplers['generator'], {model.placeholders['z']: z})
        w1, b1, w2, b2 = sess.run(model.variables['generator'])
    h = z @ w1 + b1
    h = np.maximum(0.01 * h, h)
    np.testing.assert_allclose(out, np.tanh(h @ w2 + b2), rtol=1e-5, atol=1e-6)


def numpy_sigmoid_xent(logits, labels):
    return np.mean(np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits))))


def test_losses_equal_numpy_with_one_sided_label_smoothing():
    rng = np.random.RandomState(1)
    logits_real = rng.normal(0, 3, (64, 1)).astype(np.float32)
    logits_fake = rng.normal(0, 3, (64, 1)).astype(np.float32)
    with tf.Graph().as_default(), v1.Session() as sess:
        d_loss, g_loss = sess.run([losses.minimax_discriminator_loss(logits_real, logits_fake, smooth=0.1),
                                   losses.minimax_generator_loss(logits_fake)])
    expected_d = numpy_sigmoid_xent(logits_real, 0.9) + numpy_sigmoid_xent(logits_fake, 0.0)
    # by hand for one value: -(0.9 log s(x) + 0.1 log(1 - s(x)))
    x = logits_real[0, 0]
    s = 1 / (1 + np.exp(-x))
    assert abs(numpy_sigmoid_xent(np.array([x]), 0.9) + 0.9 * np.log(s) + 0.1 * np.log(1 - s)) < 1e-6
    assert d_loss == pytest.approx(expected_d, rel=1e-5)
    assert g_loss == pytest.approx(numpy_sigmoid_xent(logits_fake, 1.0), rel=1e-5)


def snapshot(sess, variables):
    return {var.op.name: sess.run(var) for var in variables}


def changed(before, after):
    return {name for name in before if not np.array_equal(before[name], after[name])}


@pytest.mark.parametrize('arch', mlp_gan.ARCHS)
def test_d_step_changes_only_discriminator_and_g_step_only_generator(arch):
    graph, model = build(arch)
    rng = np.random.RandomState(0)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        trainable = model.variables['generator'] + model.variables['discriminator']
        feed = make_feed(model, rng.uniform(-1, 1, (8, 784)), rng)
        before = snapshot(sess, trainable)
        sess.run(model.train_ops['discriminator'], feed)
        after_d = snapshot(sess, trainable)
        sess.run(model.train_ops['generator'], feed)
        after_g = snapshot(sess, trainable)
    assert changed(before, after_d) == {v.op.name for v in model.variables['discriminator']}
    assert changed(after_d, after_g) == {v.op.name for v in model.variables['generator']}


def test_phases_are_one_d_step_then_one_g_step_on_the_same_noise():
    _, model = build()
    assert [(step.name, step.repeats, step.feed) for step in model.description.steps] == [
        ('discriminator', 1, 'new_batch'), ('generator', 1, 'same_feed')]


def test_bad_arch_is_a_clear_error():
    with tf.Graph().as_default(), pytest.raises(ValueError, match="arch must be one of"):
        mlp_gan.describe(arch='resnet')
