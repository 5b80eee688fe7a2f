"""Data parallel in one graph (train/towers.py): N towers at global batch B follow one device at B."""
import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.models import dcgan, mlp_gan
from gan_graph.train import devices, loop as train, steps as steps_lib, towers

v1 = tf.compat.v1


def run(mnist_data, output_dir, replicas, description=None, epochs=3, batches=50, **loop):
    config = train.TrainConfig(epochs=epochs, batch_size=100, max_batches_per_epoch=batches, seed=7, tensorboard=False,
                               replicas=replicas, **loop)
    train_set = mnist.DataSet(mnist_data.train.all_images[:5000], mnist_data.train.all_labels[:5000],
                              np.random.RandomState(7))
    return train.train_new_graph(description or mlp_gan.describe(), train_set, config, str(output_dir),
                                 log=lambda _: None)


def test_two_towers_at_batch_100_give_the_losses_of_one_device_at_batch_100(mnist_data, tmp_path):
    """3 epochs x 50 batches of the MLP GAN: equal up to the order of float sums (rtol 1e-4)."""
    one, two = run(mnist_data, tmp_path / 'one', 1), run(mnist_data, tmp_path / 'two', 2)
    np.testing.assert_allclose(two.losses, one.losses, rtol=1e-4)
    np.testing.assert_allclose(two.samples[-1], one.samples[-1], atol=1e-3)
    assert not np.array_equal(one.losses[0], one.losses[-1])


def test_each_tower_runs_on_its_own_device_and_the_variables_keep_their_names():
    with tf.Graph().as_default():
        single = {var.op.name for var in train.build_graph(mlp_gan.describe(), train.TrainConfig()).variables['generator']}
    with tf.Graph().as_default() as graph:
        training_graph = towers.build(mlp_gan.describe(), towers.local(2))
        names = {var.op.name for var in training_graph.variables['generator']}
        devices = {op.name.split('/')[0]: set() for op in graph.get_operations()}
        for op in graph.get_operations():
            if op.type != 'ReadVariableOp':   # colocated with its variable
                devices[op.name.split('/')[0]].add(op.device)
        variable_devices = {var.op.device for var in v1.global_variables()}
    assert names == single  # checkpoints stay the notebook's
    assert devices['tower_0'] == {'/device:CPU:0'} and devices['tower_1'] == {'/device:CPU:1'}
    assert variable_devices == {'/device:CPU:0'}


def test_replicas_are_checked(mnist_data, tmp_path):
    with pytest.raises(ValueError, match=r'--batch_size=100 must split evenly over 3 replicas \(--replicas\)'):
        train.train_new_graph(mlp_gan.describe(), mnist_data.train, train.TrainConfig(batch_size=100, replicas=3),
                              str(tmp_path))
    with pytest.raises(ValueError, match=r'--xla compiles .* one device: it cannot split the batch over towers '
                                         r'\(--replicas\); add --noxla'):
        train.train_new_graph(mlp_gan.describe(), mnist_data.train,
                              train.TrainConfig(batch_size=100, replicas=2, loop='in_graph', xla=True), str(tmp_path))


@pytest.mark.parametrize('steps_per_run', [1, 5])
def test_the_in_graph_loop_splits_each_chained_step_over_the_towers(mnist_data, tmp_path, steps_per_run):
    """The MLP GAN's in-graph loop (the main job's, without XLA): 2 towers at batch 100 follow one device
    at batch 100 (rtol 1e-4), and the D and the G step of an iteration share the towers' G(z) slices."""
    loop = dict(loop='in_graph', steps_per_run=steps_per_run)
    one = run(mnist_data, tmp_path / 'one', 1, epochs=2, batches=30, **loop)
    two = run(mnist_data, tmp_path / 'two', 2, epochs=2, batches=30, **loop)
    np.testing.assert_allclose(two.losses, one.losses, rtol=1e-4)
    np.testing.assert_allclose(two.samples[-1], one.samples[-1], atol=1e-3)
    assert not np.array_equal(one.losses[0], one.losses[-1])
    with tf.Graph().as_default() as graph:
        training_graph = towers.build(mlp_gan.describe(), towers.local(2))
        batches = steps_lib.draw_batches(training_graph.description, steps_lib.FeedSource(training_graph.description), 1)
        steps_lib.chain(training_graph, batches, 1)
        generator_matmuls = [op for op in graph.get_operations()
                             if op.type == 'MatMul' and '/generator/' in op.name and 'gradients' not in op.name]
    # G's two dense layers per tower: applied once per tower in the tutorial graph and once in the chain
    assert len(generator_matmuls) == 2 * 2 * 2


def test_the_fused_loop_with_towers_is_the_tutorial_loop_with_towers(mnist_data, tmp_path):
    """DCGAN (batch norm per tower): the chained steps over 2 towers train as the tutorial's loop over 2
    towers, fed the same batches."""
    describe = lambda: dcgan.describe(g_filters=(8, 4), d_filters=(4, 8), kernel_size=3)  # noqa: E731
    faithful = run(mnist_data, tmp_path / 'faithful', 2, describe(), epochs=2, batches=10)
    fused = run(mnist_data, tmp_path / 'fused', 2, describe(), epochs=2, batches=10, loop='fused')
    np.testing.assert_allclose(fused.losses, faithful.losses, rtol=1e-3)
    np.testing.assert_allclose(fused.samples[-1], faithful.samples[-1], atol=1e-3)


def gated_on_bright_batches(description, mnist_data):
    """D trains only on batches whose mean pixel is above the data's mean (about half of them)."""
    threshold = float(mnist_data.train.all_images[:5000].mean())
    return dataclasses.replace(description, steps=[
        dataclasses.replace(description.steps[0], gate=lambda nets, batch: tf.reduce_mean(batch.real) > threshold),
        description.steps[1]])


@pytest.mark.parametrize('loop', ['faithful', 'in_graph'])
def test_a_gated_step_is_gated_on_the_whole_batch_and_follows_one_device(mnist_data, tmp_path, loop):
    """The 3D-GAN's kind of step: 2 towers decide as one device does, on the whole batch."""
    gated = gated_on_bright_batches(mlp_gan.describe(), mnist_data)
    one = run(mnist_data, tmp_path / 'one', 1, gated, epochs=2, batches=15, loop=loop)
    two = run(mnist_data, tmp_path / 'two', 2, gated, epochs=2, batches=15, loop=loop)
    ungated = run(mnist_data, tmp_path / 'ungated', 1, epochs=2, batches=15, loop=loop)
    np.testing.assert_allclose(two.losses, one.losses, rtol=1e-4)
    np.testing.assert_allclose(two.samples[-1], one.samples[-1], atol=1e-3)
    assert not np.allclose(one.losses, ungated.losses, rtol=1e-3)   # the gate skipped some D updates


def values_by_name(sess):
    return {var.op.name: sess.run(var) for var in v1.global_variables()}


def test_batch_norm_towers_normalise_their_own_slice_and_update_from_the_first(mnist_data):
    """DCGAN, one G step on noise whose halves differ: the generator's moving statistics move as one
    device's do on the first tower's half alone. (The G step applies G once; the D step applies D to
    real and to fake, and those two updates of one moving statistic race in any TF1 graph, this
    port's and the tutorial's alike, so their result is not exact.)"""
    describe = lambda: dcgan.describe(g_filters=(8, 4), d_filters=(4, 8), kernel_size=3)  # noqa: E731
    images = mnist_data.train.all_images[:100]
    z = np.random.RandomState(0).uniform(-1, 1, (100, 100))
    z[50:] = 0.2 * z[50:] + 0.5   # the second tower's half: other noise statistics
    with tf.Graph().as_default():
        single = train.build_graph(describe(), train.TrainConfig())
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            start = values_by_name(sess)
            sess.run(single.train_ops['generator'], {single.placeholders['real']: images[:50],
                                                     single.placeholders['z']: z[:50]})
            alone = values_by_name(sess)
    with tf.Graph().as_default():
        two = towers.build(describe(), towers.local(2))
        with v1.Session(config=devices.session_config(None, 'cpu', towers.local(2))) as sess:
            sess.run(v1.global_variables_initializer())
            for var in v1.global_variables():
                var.load(start[var.op.name], sess)
            sess.run(two.train_ops['generator'], {two.placeholders['real']: images,
                                                  two.placeholders['z']: z})
            towered = values_by_name(sess)
    moving = [name for name in start if name.startswith('generator/') and 'moving_' in name]
    assert len(moving) >= 4
    for name in moving:
        assert not np.allclose(alone[name], start[name])
        np.testing.assert_allclose(towered[name], alone[name], rtol=1e-5, atol=1e-6, err_msg=name)
