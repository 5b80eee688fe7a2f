"""The DCGAN graph follows the guidelines; batch-norm statistics are trained, saved and used to sample."""
import functools

import numpy as np
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.models import dcgan, description
from gan_graph.train import checkpoints
from gan_graph.train import files
from gan_graph.train import graph as train_graph
from gan_graph.train import loop as train
from gan_graph.train import manifest
from gan_graph.train import run_dir
from gan_graph.train import sampling
from conftest import build_graph, feed as make_feed, names, run_script

v1 = tf.compat.v1

GENERATOR_VARIABLES = [
    ('generator/dense/kernel', (100, 6272)), ('generator/dense/bias', (6272,)),
    ('generator/batch_normalization/gamma', (128,)), ('generator/batch_normalization/beta', (128,)),
    ('generator/conv2d_transpose/kernel', (5, 5, 64, 128)), ('generator/conv2d_transpose/bias', (64,)),
    ('generator/batch_normalization_1/gamma', (64,)), ('generator/batch_normalization_1/beta', (64,)),
    ('generator/conv2d_transpose_1/kernel', (5, 5, 1, 64)), ('generator/conv2d_transpose_1/bias', (1,))]
DISCRIMINATOR_VARIABLES = [
    ('discriminator/conv2d/kernel', (5, 5, 1, 64)), ('discriminator/conv2d/bias', (64,)),
    ('discriminator/conv2d_1/kernel', (5, 5, 64, 128)), ('discriminator/conv2d_1/bias', (128,)),
    ('discriminator/batch_normalization/gamma', (128,)), ('discriminator/batch_normalization/beta', (128,)),
    ('discriminator/dense/kernel', (6272, 1)), ('discriminator/dense/bias', (1,))]
MOVING = ['generator/batch_normalization/moving_mean', 'generator/batch_normalization/moving_variance',
          'generator/batch_normalization_1/moving_mean', 'generator/batch_normalization_1/moving_variance']


def build(seed=0, **kwargs):
    return build_graph(dcgan.describe, seed, **kwargs)


def test_variables_and_shapes():
    graph, model = build()
    with graph.as_default():
        found = [(var.op.name, tuple(var.shape.as_list())) for var in v1.trainable_variables()]
    assert found == GENERATOR_VARIABLES + DISCRIMINATOR_VARIABLES
    assert names(model.variables['generator']) == [name for name, _ in GENERATOR_VARIABLES]
    assert names(model.variables['discriminator']) == [name for name, _ in DISCRIMINATOR_VARIABLES]
    # The generator checkpoint holds the moving statistics and no optimizer slot.
    assert sorted(names(model.export_state['generator'])) == sorted(names(model.variables['generator']) + MOVING)


def test_generator_goes_7x7_14x14_28x28_with_transposed_convolutions_and_no_pooling():
    graph, model = build()
    op_types = {op.type for op in graph.get_operations()}
    assert not op_types & {'MaxPool', 'AvgPool', 'MaxPoolV2'}
    # The second, to one channel, is computed through its taps (gan_graph/nn/taps.py)
    deconvs = [graph.get_operation_by_name(f'generator/{layer}/BiasAdd')
               for layer in ('conv2d_transpose', 'conv2d_transpose_1')]
    assert [op.outputs[0].shape.as_list()[1:] for op in deconvs] == [[14, 14, 64], [28, 28, 1]]
    assert graph.get_operation_by_name('generator/conv2d_transpose/conv2d_transpose').type == 'Conv2DBackpropInput'
    reshape = graph.get_operation_by_name('generator/Reshape')
    assert reshape.outputs[0].shape.as_list() == [None, 7, 7, 128]
    convs = [op for op in graph.get_operations() if op.type == 'Conv2D' and op.name.startswith('discriminator/')]
    assert [op.get_attr('strides') for op in convs] == [[1, 2, 2, 1]] * 2
    assert [op.outputs[0].shape.as_list()[1:] for op in convs] == [[14, 14, 64], [7, 7, 128]]
    # ReLU in G, tanh output; no batch norm on G's output nor on D's first layer.
    g_ops = [op.type for op in graph.get_operations() if op.name.startswith('generator/')]
    assert g_ops.count('Relu') == 2 and 'Tanh' in g_ops
    assert len([n for n, _ in DISCRIMINATOR_VARIABLES if 'batch_normalization' in n and n.endswith('gamma')]) == 1
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        out = sess.run(model.samplers['generator'], train_graph.sampler_feed(model.description, model.placeholders, np.random.RandomState(0), 5))
    assert out.shape == (5, 784) and np.abs(out).max() <= 1


def test_phases_are_d_on_real_and_fake_then_g_on_fresh_noise():
    _, model = build()
    assert [(step.name, step.repeats, step.feed) for step in model.description.steps] == [
        ('discriminator', 1, 'new_batch'), ('generator', 1, 'new_noise')]
    record = manifest.of(model.description)
    assert record['model'] == 'dcgan' and record['hparams']['g_filters'] == [128, 64]
    assert record['exports'] == {'generator': {'network': 'generator', 'inputs': ['z'],
                                               'checkpoint': 'checkpoints/generator.ckpt'}}
    assert model.description.inputs['z'] == description.Noise('uniform', 100)


def snapshot(sess, variables):
    return {var.op.name: sess.run(var) for var in variables}


def changed(before, after):
    return {name for name in before if not np.array_equal(before[name], after[name])}


def test_each_step_changes_its_own_network_and_its_own_moving_statistics():
    graph, model = build()
    rng = np.random.RandomState(0)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        everything = v1.global_variables('generator/') + v1.global_variables('discriminator/')
        everything = [var for var in everything if '/Adam' not in var.op.name]
        feed = make_feed(model, rng.uniform(-1, 1, (8, 784)), rng)
        before = snapshot(sess, everything)
        sess.run(model.train_ops[model.description.steps[0].name], feed)
        after_d = snapshot(sess, everything)
        sess.run(model.train_ops[model.description.steps[1].name], train.fresh_noise(model.description, model.placeholders, feed, rng))
        after_g = snapshot(sess, everything)
    d_moving = {'discriminator/batch_normalization/moving_mean', 'discriminator/batch_normalization/moving_variance'}
    assert changed(before, after_d) == set(names(model.variables['discriminator'])) | d_moving
    assert changed(after_d, after_g) == set(names(model.variables['generator'])) | set(MOVING)


def small_train_set(mnist_data, seed=0, size=256):
    return mnist.DataSet(mnist_data.train.all_images[:size], mnist_data.train.all_labels[:size],
                         np.random.RandomState(seed))


def train_small(mnist_data, output_dir, epochs, seed=3):
    config = train.TrainConfig(epochs=epochs, batch_size=16, max_batches_per_epoch=3, num_samples=16, seed=seed,
                               tensorboard=False)
    lines = []
    build = functools.partial(dcgan.describe, g_filters=(16, 8), d_filters=(8, 16), kernel_size=3)
    history = train.train_new_graph(build(), small_train_set(mnist_data),
                                    config, str(output_dir), log=lines.append)
    return history, lines


def test_resume_equals_an_uninterrupted_run_and_sampling_uses_the_moving_statistics(mnist_data, tmp_path):
    straight, _ = train_small(mnist_data, tmp_path / 'straight', epochs=2)
    train_small(mnist_data, tmp_path / 'resumed', epochs=1)
    resumed, lines = train_small(mnist_data, tmp_path / 'resumed', epochs=2)
    assert lines[0].startswith('Resuming') and resumed.losses == straight.losses
    np.testing.assert_array_equal(resumed.samples[-1], straight.samples[-1])

    checkpoint_dir = run_dir.checkpoint_dir(str(tmp_path / 'straight'))
    saved = dict(tf.train.list_variables(checkpoints.find_generator_checkpoint(checkpoint_dir)))
    assert set(MOVING) <= set(saved) and not any('Adam' in name for name in saved)
    moving_mean = tf.train.load_variable(checkpoint_dir + '/generator.ckpt', MOVING[0])
    assert np.abs(moving_mean).max() > 0  # trained away from its zero start
    # With moving statistics an image depends on its own z only, not on the rest of the batch.
    together = sampling.sample_generator(checkpoint_dir, 6, seed=1)
    one_by_one = sampling.sample_generator(checkpoint_dir, 6, seed=1, batch_size=1)
    assert together.shape == (6, 784)
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    assert np.abs(together - together.mean(axis=0)).max() > 1e-3  # and differs between samples


def test_script_runs_and_writes_the_standard_run_directory(tmp_path):
    result = run_script('train_dcgan.py', '--epochs=1', '--max_batches_per_epoch=2', '--batch_size=8', '--seed=1',
                        '--kernel_size=3', '--notensorboard', f'--output_dir={tmp_path}')
    assert result.stdout.startswith('Epoch 1/1... Discriminator Loss: ') and result.stderr == ''
    for name in ('train_samples.pkl', 'train_losses.pkl', 'flags.txt', 'checkpoints/generator.ckpt.index',
                 'run.json', 'checkpoints/training_state.pkl'):
        assert (tmp_path / name).exists(), name
    samples = files.read_pickle(str(tmp_path / 'train_samples.pkl'))
    assert samples[0].shape == (16, 784) and np.abs(samples[0]).max() <= 1
