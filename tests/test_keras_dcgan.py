"""The Keras DCGAN (jacobgil/keras-dcgan): the reference's layers and parameter counts, its one-batch D step
on concat(real, generated) labelled 1 then 0, the frozen D in the G step, Keras' loss and Nesterov SGD,
the fixed-order 60,000-image epochs, and --nice generation."""
import functools
import re

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist, readers
from gan_graph.figures import keras_dcgan as figures
from gan_graph.figures.grid import plt
from gan_graph.models import description as d, keras_dcgan
from gan_graph.nn import losses, ops
from gan_graph.train import graph as train_graph, interrupt, loop as train, runner as runner_lib, sampling
from conftest import DATA_DIR, build_graph, feed as make_feed
from test_fast_loop import all_values, load_values
from test_train import train_small

v1 = tf.compat.v1
TINY = dict(z_size=8, g_dense=16, g_filters=(8, 4), d_filters=(4, 8), d_dense=16, kernel_size=3)


def tiny(**kwargs):
    return keras_dcgan.describe(**{**TINY, **kwargs})


def count(variables):
    return sum(int(np.prod(var.shape.as_list())) for var in variables)


def output_shapes(graph, op_type, scope):
    return [op.outputs[0].shape.as_list() for op in graph.get_operations()
            if op.type == op_type and op.name.startswith(scope + '/')]


def test_networks_are_the_references_with_its_parameter_counts():
    """Keras' count_params(): G 6,763,777 (batch-norm statistics included), D 3,485,441."""
    graph = tf.Graph()
    with graph.as_default():
        images = keras_dcgan.generator(v1.placeholder(tf.float32, (None, 100)))
        probability, _ = keras_dcgan.discriminator(images)
        assert count(d.scope_state('generator')) == 6_763_777
        assert count(d.scope_state('discriminator')) == 3_485_441
        assert count(v1.trainable_variables('generator')) == 6_763_777 - 2 * 128 * 7 * 7
    assert images.shape.as_list() == [None, 28, 28, 1] and probability.shape.as_list() == [None, 1]
    assert output_shapes(graph, 'ResizeNearestNeighbor', 'generator') == [[None, 14, 14, 128], [None, 28, 28, 64]]
    assert output_shapes(graph, 'MaxPool', 'discriminator') == [[None, 14, 14, 64], [None, 5, 5, 128]]
    # tanh after every layer but D's last (sigmoid); 'valid' 5x5 takes D's 14x14 to 10x10.
    assert len(output_shapes(graph, 'Tanh', 'generator')) == 4 and len(output_shapes(graph, 'Tanh', 'discriminator')) == 3
    assert output_shapes(graph, 'Conv2D', 'discriminator') == [[None, 28, 28, 64], [None, 10, 10, 128]]


def test_up_sampling_repeats_pixels_and_max_pooling_takes_2x2_maxima():
    values = np.random.RandomState(0).normal(size=(2, 4, 6, 3)).astype(np.float32)
    with tf.Graph().as_default(), v1.Session() as sess:
        up, pooled = sess.run([ops.up_sampling2d(tf.constant(values), 2), ops.max_pool2d(tf.constant(values), 2)])
    np.testing.assert_array_equal(up, values.repeat(2, axis=1).repeat(2, axis=2))
    np.testing.assert_array_equal(pooled, values.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4)))


def test_keras_binary_crossentropy_clips_probabilities_and_its_gradient_vanishes_when_saturated():
    logits = np.array([[-40.0], [-2.0], [0.3], [3.0], [40.0]], np.float32)
    labels = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]], np.float32)
    with tf.Graph().as_default(), v1.Session() as sess:
        logits_in = tf.constant(logits)
        loss = losses.keras_binary_crossentropy(tf.sigmoid(logits_in), tf.constant(labels))
        value, gradient = sess.run([loss, tf.gradients(loss, logits_in)[0]])
    # Clipped in float32, as the graph clips: 1 - 1e-7 rounds to 1 - 2**-23.
    p = np.clip(1 / (1 + np.exp(-logits)), np.float32(1e-7), np.float32(1 - 1e-7)).astype(np.float64)
    np.testing.assert_allclose(value, np.mean(-(labels * np.log(p) + (1 - labels) * np.log(1 - p))), rtol=1e-3)
    assert value < 20  # unclipped, the two saturated wrong answers alone would cost 2 * 40 / 5
    assert gradient[0, 0] == 0 and gradient[4, 0] == 0 and np.all(gradient[1:4] != 0)


def test_discriminator_trains_on_real_then_predicted_images_labelled_one_then_zero():
    description = tiny()
    rng = np.random.RandomState(0)
    real = rng.uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
    with tf.Graph().as_default(), v1.Session() as sess:
        batch = d.Batch(real=tf.constant(real), z=tf.constant(rng.uniform(-1, 1, (4, 8)).astype(np.float32)))
        calls = d.Calls(description.networks, set())
        images, labels = keras_dcgan.discriminator_batch(calls, batch)
        loss = description.losses['Discriminator'].fn(calls, batch)
        probabilities, _ = calls.discriminator(images)
        predicted, training_mode = calls.generator(batch.z, training=False), calls.generator(batch.z)
        sess.run(v1.global_variables_initializer())
        images, labels, loss, probabilities, predicted, training_mode = sess.run(
            [images, labels, loss, probabilities, predicted, training_mode])
    np.testing.assert_array_equal(images, np.concatenate([real, predicted]))
    np.testing.assert_array_equal(labels[:, 0], [1] * 4 + [0] * 4)
    # g.predict: batch norm on its moving statistics, not the batch's.
    assert not np.allclose(predicted, training_mode, atol=1e-3)
    p = np.clip(probabilities.astype(np.float64), 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(loss, np.mean(-(labels * np.log(p) + (1 - labels) * np.log(1 - p))), rtol=1e-5)


def test_each_step_changes_only_its_network():
    """The G step goes through a frozen D; the D step uses g.predict, which leaves even G's batch-norm
    statistics alone."""
    graph, model = build_graph(keras_dcgan.describe, **TINY)
    rng = np.random.RandomState(0)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        feed = make_feed(model, rng.uniform(-1, 1, (4, 28, 28, 1)), rng)
        generator_state, discriminator_state = d.scope_state('generator')[:12], model.variables['discriminator']
        before = sess.run([generator_state, discriminator_state])
        sess.run(model.train_ops['generator'], feed)
        after_g = sess.run([generator_state, discriminator_state])
        sess.run(model.train_ops['discriminator'], feed)
        after_d = sess.run([generator_state, discriminator_state])
    assert all(np.array_equal(a, b) for a, b in zip(before[1], after_g[1]))
    assert all(not np.array_equal(a, b) for a, b in zip(before[0], after_g[0]))  # moving statistics too
    assert all(np.array_equal(a, b) for a, b in zip(after_g[0], after_d[0]))
    assert all(not np.array_equal(a, b) for a, b in zip(after_g[1], after_d[1]))


def test_nesterov_momentum_is_keras_sgd():
    """Keras 2's SGD(nesterov=True): v = momentum * v - lr * g; p += momentum * v - lr * g."""
    lr, momentum = 0.05, 0.9
    scale, shift = np.array([1.0, 3.0, 0.5]), np.array([0.2, -1.0, 2.0])
    with tf.Graph().as_default(), v1.Session() as sess:
        var = v1.get_variable('p', initializer=np.array([1.0, -2.0, 0.5]))
        step = keras_dcgan.sgd(lr, momentum).minimize(tf.reduce_sum(scale * var ** 2 + shift * var))
        sess.run(v1.global_variables_initializer())
        ours = [sess.run(var) for _ in range(6) if sess.run(step) is None]
    lr, momentum = float(np.float32(lr)), float(np.float32(momentum))  # as the optimizer holds them
    p, v, expected = np.array([1.0, -2.0, 0.5]), np.zeros(3), []
    for _ in range(6):
        g = 2 * scale * p + shift
        v = momentum * v - lr * g
        p = p + momentum * v - lr * g
        expected.append(p)
    np.testing.assert_allclose(ours, expected, rtol=1e-10)


def test_chained_steps_equal_the_keras_loops_two_runs(mnist_data):
    """The fast loops' one run per iteration (D step, then G step on fresh noise) updates every variable as
    the reference's two train_on_batch calls do."""
    images = mnist.as_spec(mnist_data.train.all_images[:64], tiny().data)
    config = train.TrainConfig(batch_size=8)
    with tf.Graph().as_default():
        training_graph = train_graph.build(tiny())
        loops = [loop_class(training_graph, config, mnist.DataSet(images, mnist_data.train.all_labels[:64],
                                                                  np.random.RandomState(0)))
                 for loop_class in (train.FaithfulLoop, train.FusedLoop)]
        with runner_lib.SessionRunner().start() as runner:
            start, results = all_values(runner.session), []
            for loop in loops:
                load_values(runner.session, start)
                rng = np.random.RandomState(0)
                for iteration in range(2):
                    loop.iteration(runner, rng, interrupt.StopRequest(), iteration)
                results.append(all_values(runner.session))
    assert any('moving_mean' in name and not np.array_equal(value, start[name]) for name, value in results[0].items())
    for name in start:
        np.testing.assert_allclose(results[1][name], results[0][name], rtol=1e-5, atol=1e-6, err_msg=name)


class RecordingRunner(runner_lib.SessionRunner):
    """Records the real batches the loop feeds (faithful) or reads back (in-graph), in order."""

    def __init__(self):
        super().__init__()
        self.batches = []

    def run(self, fetches, feed_dict=None):
        result = super().run(fetches, feed_dict)
        fed = [value for placeholder, value in (feed_dict or {}).items()
               if getattr(placeholder, 'name', '') == 'input_real:0']
        read = [result['real']] if isinstance(result, dict) and 'real' in result else []
        for batch in fed + read:
            if not self.batches or not np.array_equal(self.batches[-1], batch):
                self.batches.append(np.asarray(batch))
        return result


@pytest.mark.parametrize('loop', ['faithful', 'in_graph'])
def test_fixed_order_epochs_start_again_at_the_first_image(mnist_data, tmp_path, loop):
    """Keras' X_train[index*B:(index+1)*B]: every epoch the same batches in the same order, the rest
    that fills no batch (2 of 10 images here) never seen."""
    images = mnist.as_spec(mnist_data.train.all_images[:10], tiny().data)
    train_set = mnist.DataSet(images, mnist_data.train.all_labels[:10], np.random.RandomState(0))
    lines = []
    step_log = functools.partial(keras_dcgan.reference_log, log=lines.append) if loop == 'faithful' else None
    config = train.TrainConfig(epochs=2, batch_size=4, seed=0, tensorboard=False, loop=loop, step_log=step_log)
    runner = RecordingRunner()
    with tf.Graph().as_default():
        train.train(tiny(), train_set, config, str(tmp_path), log=lambda line: None, runner=runner)
    expected = [images[0:4], images[4:8]] * 2 if loop == 'faithful' else [images[4:8]] * 2  # in-graph: last batches
    assert len(runner.batches) == len(expected) if loop == 'faithful' else len(runner.batches) == 1
    for batch, want in zip(runner.batches, expected):
        np.testing.assert_array_equal(batch, want)
    if loop == 'faithful':  # --keras_log: the reference's lines
        batch_lines = [fr'batch {index} {name} : \d+\.\d{{6}}' for index in (0, 1) for name in ('d_loss', 'g_loss')]
        patterns = ['Epoch is 0', 'Number of batches 2', *batch_lines, 'Epoch is 1', 'Number of batches 2', *batch_lines]
        assert len(lines) == len(patterns) and all(re.fullmatch(p, line) for p, line in zip(patterns, lines)), lines


def test_reader_gives_all_60000_training_images_scaled_as_keras():
    data = readers.read(tiny().data, DATA_DIR, seed=0)
    assert data.train.num_examples == 60_000 and data.validation.num_examples == 0
    raw = mnist.load_idx(mnist.resolve_data_dir(DATA_DIR), 'train-images-idx3-ubyte.gz', mnist.IMAGE_MAGIC,
                         verify=False)
    np.testing.assert_allclose(data.train.images[:100, :, :, 0], (raw[:100].astype(np.float32) - 127.5) / 127.5,
                               atol=1e-6)
    assert train.batches_per_epoch(data.train.num_examples, train.TrainConfig(batch_size=128)) == 468


def test_combine_images_fills_rows_of_floor_sqrt_columns():
    samples = np.arange(5, dtype=np.float32)[:, None, None, None] * np.ones((5, 2, 3, 1), np.float32)
    image = figures.combine_images(samples)
    assert image.shape == (3 * 2, 2 * 3)  # 2 columns, 3 rows, the last half empty
    assert image[0, 0] == 0 and image[0, 3] == 1 and image[2, 0] == 2 and image[4, 0] == 4 and image[4, 3] == 0
    np.testing.assert_array_equal(figures.top_scored(np.array([0.2, 0.9, 0.5, 0.9]), 3), [1, 3, 2])


def test_nice_keeps_the_samples_the_discriminator_scores_highest(mnist_data, tmp_path):
    images = mnist.as_spec(mnist_data.train.all_images[:8], tiny().data)
    train_set = mnist.DataSet(images, mnist_data.train.all_labels[:8], np.random.RandomState(0))
    config = train.TrainConfig(epochs=1, batch_size=4, seed=0, tensorboard=False, loop='in_graph')
    with tf.Graph().as_default():
        train.train(tiny(), train_set, config, str(tmp_path), log=lambda line: None)
    image, kept, scores = figures.generate(str(tmp_path), 3, nice=True, seed=1)
    candidates = sampling.sample_generator(str(tmp_path / 'checkpoints'), 3 * figures.NICE_FACTOR, seed=1)
    all_scores = figures.discriminator_scores(str(tmp_path), candidates)
    best = np.argsort(-all_scores)[:3]
    np.testing.assert_array_equal(kept, candidates[best])
    np.testing.assert_allclose(scores, all_scores[best])
    assert scores.min() >= np.delete(all_scores, best).max()
    assert image.dtype == np.uint8 and image.shape == (3 * 28, 28)
    path = figures.save_image(image, str(tmp_path / 'figures' / 'nice.png'))
    assert plt.imread(path).shape[:2] == (84, 28)


def test_networks_compute_what_the_keras_reference_computes():
    """Oracle: the reference's Sequential models in tf_keras, given our weights, on the same inputs."""
    keras = pytest.importorskip('tf_keras')
    layers = keras.layers
    description = tiny()
    rng = np.random.RandomState(0)
    z = rng.uniform(-1, 1, (5, 8)).astype(np.float32)
    with tf.Graph().as_default(), v1.Session() as sess:
        calls = d.Calls(description.networks, set())
        fakes = calls.generator(tf.constant(z), training=False)
        outputs = [fakes, calls.generator(tf.constant(z)), calls.discriminator(fakes)[0]]
        sess.run(v1.global_variables_initializer())
        # Moving statistics away from their initial values, so inference mode tells them apart.
        for var in d.scope_state('generator'):
            if 'moving' in var.op.name:
                var.load(rng.uniform(0.5, 1.5, var.shape.as_list()), sess)
        ours = sess.run(outputs)
        weights = {scope: sess.run(d.scope_state(scope)) for scope in ('generator', 'discriminator')}
    g = keras.Sequential([
        layers.Dense(16, input_dim=8), layers.Activation('tanh'), layers.Dense(8 * 7 * 7),
        layers.BatchNormalization(), layers.Activation('tanh'), layers.Reshape((7, 7, 8)),
        layers.UpSampling2D(size=(2, 2)), layers.Conv2D(4, (3, 3), padding='same'), layers.Activation('tanh'),
        layers.UpSampling2D(size=(2, 2)), layers.Conv2D(1, (3, 3), padding='same'), layers.Activation('tanh')])
    discriminator = keras.Sequential([
        layers.Conv2D(4, (3, 3), padding='same', input_shape=(28, 28, 1)), layers.Activation('tanh'),
        layers.MaxPooling2D(pool_size=(2, 2)), layers.Conv2D(8, (3, 3)), layers.Activation('tanh'),
        layers.MaxPooling2D(pool_size=(2, 2)), layers.Flatten(), layers.Dense(16), layers.Activation('tanh'),
        layers.Dense(1), layers.Activation('sigmoid')])
    g.set_weights(weights['generator'])  # same order: kernels, biases, gamma, beta, moving mean, variance
    discriminator.set_weights(weights['discriminator'])
    np.testing.assert_allclose(g(z, training=False).numpy(), ours[0], atol=1e-5)
    np.testing.assert_allclose(g(z, training=True).numpy(), ours[1], atol=1e-5)
    np.testing.assert_allclose(discriminator(ours[0], training=False).numpy(), ours[2], atol=1e-5)


def test_generate_draws_a_flat_mlp_runs_samples_as_the_grid_too(mnist_data, tmp_path):
    train_small(mnist_data, tmp_path, epochs=1)
    image, samples, scores = figures.generate(str(tmp_path), batch_size=16, seed=0)
    assert image.shape == (4 * 28, 4 * 28) and image.dtype == np.uint8 and scores is None
    np.testing.assert_allclose(image[:28, :28], samples[0].reshape(28, 28) * 127.5 + 127.5, atol=1)
