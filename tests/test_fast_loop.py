"""The fast path computes what the notebook's loop computes: one chained run per iteration equals a run
per step, and the in-graph input keeps the reader's semantics."""
import dataclasses
import functools

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist, spec as data_spec
from gan_graph.models import dcgan, description, keras_dcgan, mlp_gan, wgan
from gan_graph.train import graph as train_graph, interrupt, loop as train, runner as runner_lib, steps
from test_train import small_train_set

v1 = tf.compat.v1


def all_values(sess):
    return {var.op.name: sess.run(var) for var in v1.global_variables()}


def load_values(sess, values):
    for var in v1.global_variables():
        var.load(values[var.op.name], sess)


BUILDS = {'mlp_udacity': functools.partial(mlp_gan.describe, arch='udacity'),
          'mlp_blog': functools.partial(mlp_gan.describe, arch='blog'),
          # Batch norm in both nets and fresh noise for the G step: small filters keep it quick.
          'dcgan': functools.partial(dcgan.describe, g_filters=(8, 4), d_filters=(4, 8), kernel_size=3)}


def every_other_generator_step(description):
    """The MLP with its G step on even iterations only: a lazy step."""
    return dataclasses.replace(description, steps=[description.steps[0],
                                                   dataclasses.replace(description.steps[1], every=2)])


def gated_discriminator_step(description):
    """The MLP with its D step gated, as the 3D-GAN's: D trains only while it calls < 80% of the real
    batch real (true for some batches, false for others, within the first iterations)."""
    def d_unsure(nets, batch):
        probability_real, _ = nets.discriminator(batch.real)
        return tf.reduce_mean(tf.cast(probability_real > 0.5, tf.float32)) < 0.8
    return dataclasses.replace(description, steps=[dataclasses.replace(description.steps[0], gate=d_unsure),
                                                   description.steps[1]])


EQUAL_BUILDS = {**BUILDS,
                'mlp_gated_d': lambda: gated_discriminator_step(mlp_gan.describe()),
                'wgan': functools.partial(wgan.describe, mode='wgan', g_filters=(8, 4), c_filters=(4, 8), kernel_size=3,
                                          n_critic=2),
                'mlp_lazy_g': lambda: every_other_generator_step(mlp_gan.describe())}


def biases_feeding_batch_norm():
    """Names of the bias variables whose layer output goes (through reshapes) into a batch norm. Their exact
    gradient is 0 (batch norm subtracts them), so Adam's updates of them answer rounding noise, which
    the fast loops' ungated gradients change (grappler fuses a bias gradient it could not fuse before).
    The network's outputs do not depend on them."""
    names = set()
    for var in v1.global_variables():
        if not var.op.name.endswith('/bias'):
            continue
        reads = [op for op in var.op.outputs[0].consumers() if op.type == 'ReadVariableOp']
        frontier = [consumer for read in reads for consumer in read.outputs[0].consumers()
                    if consumer.type in ('BiasAdd', 'AddV2', 'Add')]
        while frontier:
            op = frontier.pop()
            consumers = op.outputs[0].consumers()
            if any('batch_normalization' in consumer.name for consumer in consumers):
                names.add(var.op.name)
            frontier.extend(consumer for consumer in consumers if consumer.type == 'Reshape')
    return names


@pytest.mark.parametrize('name', sorted(EQUAL_BUILDS))
def test_one_fused_run_per_iteration_equals_a_run_per_step(mnist_data, name):
    """Every step chained in one op (the fast loops' chain) updates the variables as the tutorial's loop
    does with one sess.run per step: weights, optimizer slots, batch-norm statistics, clipping."""
    description = EQUAL_BUILDS[name]()
    config = train.TrainConfig(batch_size=32)
    with tf.Graph().as_default():
        v1.set_random_seed(1)
        training_graph = train_graph.build(description)
        faithful = train.FaithfulLoop(training_graph, config, small_train_set(mnist_data, 0))
        fused = train.FusedLoop(training_graph, config, small_train_set(mnist_data, 0))
        stop = interrupt.StopRequest()
        with runner_lib.SessionRunner().start() as runner:
            rng_faithful, rng_fused = np.random.RandomState(0), np.random.RandomState(0)
            # Warm the optimizers up so the slots are not all zero, then start both from there.
            for iteration in range(2):
                fused.iteration(runner, np.random.RandomState(9), stop, iteration)
            start = all_values(runner.session)
            faithful.train_set.set_state(fused.train_set.get_state())
            for iteration in range(2, 5):
                faithful.iteration(runner, rng_faithful, stop, iteration)
            two_run = all_values(runner.session)
            load_values(runner.session, start)
            for iteration in range(2, 5):
                fused.iteration(runner, rng_fused, stop, iteration)
            one_run = all_values(runner.session)
        noise_only = biases_feeding_batch_norm()
        assert bool(noise_only) == (name in ('dcgan', 'wgan'))  # the batch-norm models: excluded, not more
    assert set(two_run) == set(one_run) and len(one_run) > 10  # weights, optimizer slots, beta powers
    for var_name in two_run:
        if var_name.split('/Adam')[0] in noise_only:
            continue
        # The moving means add up what the noise-only biases shift
        atol = 1e-5 if noise_only and 'moving_mean' in var_name else 1e-6
        np.testing.assert_allclose(one_run[var_name], two_run[var_name], rtol=1e-5, atol=atol, err_msg=var_name)
    changed = {var_name for var_name in start if not np.array_equal(start[var_name], one_run[var_name])}
    assert any(var_name.startswith('generator') for var_name in changed)
    # Batch-norm statistics move in training, as the two-run loop moves them.
    moving = {var_name for var_name in start if 'moving_' in var_name}
    assert (moving <= changed) and (bool(moving) == (name in ('dcgan', 'wgan')))
    if name == 'wgan':
        assert all(np.abs(value).max() <= 0.01 for var_name, value in one_run.items()
                   if var_name.startswith('critic/') and '/RMSProp' not in var_name)


def test_in_graph_batches_use_every_image_once_per_epoch_and_reshuffle_each_epoch():
    num_examples, batch_size = 24, 6
    description = mlp_gan.describe()
    images = np.repeat(np.arange(num_examples, dtype=np.float32)[:, None], 784, axis=1)
    with tf.Graph().as_default():
        data = steps.in_graph_data(description, num_examples, seed=0)
        first_batch = v1.placeholder(tf.int32, ())
        batch = steps.InGraphSource(description, data, first_batch, batch_size, seed=0).new_batch(0)
        with v1.Session() as sess:
            sess.run(v1.local_variables_initializer(), {data.initial_values['images']: images})
            epochs = []
            for e in range(1, 4):
                sess.run(data.shuffle, {data.epoch: e})
                epochs.append(np.concatenate([sess.run(batch.real, {first_batch: i, data.epoch: e})[:, 0]
                                              for i in range(4)]))
    for served in epochs:
        assert sorted(served) == list(range(num_examples))
    assert not np.array_equal(epochs[0], np.arange(num_examples))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])


def test_in_graph_images_stay_out_of_checkpoints(mnist_data, tmp_path):
    config = train.TrainConfig(epochs=1, batch_size=50, max_batches_per_epoch=4, seed=1, tensorboard=False,
                               loop='in_graph', steps_per_run=2)
    train.train_new_graph(mlp_gan.describe(), small_train_set(mnist_data, 1), config, str(tmp_path))
    names = dict(tf.train.list_variables(v1.train.latest_checkpoint(str(tmp_path / 'checkpoints'),
                                                                     latest_filename='training_checkpoint')))
    assert not any(name.startswith(('train_', 'last_')) for name in names)
    assert 'generator/dense/kernel/Adam' in names


@pytest.mark.parametrize('name, loop, steps_per_run, xla', [
    ('mlp_blog', 'fused', 1, False), ('mlp_blog', 'in_graph', 1, False), ('mlp_blog', 'in_graph', 3, False),
    ('dcgan', 'in_graph', 3, False), ('mlp_udacity', 'in_graph', 4, True)])
def test_fast_loops_train_and_resume(mnist_data, tmp_path, name, loop, steps_per_run, xla):
    config = train.TrainConfig(epochs=2, batch_size=50, max_batches_per_epoch=6, seed=2, tensorboard=False,
                               loop=loop, steps_per_run=steps_per_run, xla=xla)
    build = BUILDS[name]
    first = train.train_new_graph(build(), small_train_set(mnist_data, 2), config, str(tmp_path / 'resumed'))
    config.epochs = 3
    resumed = train.train_new_graph(build(), small_train_set(mnist_data, 2), config, str(tmp_path / 'resumed'))
    straight = train.train_new_graph(build(), small_train_set(mnist_data, 2), config, str(tmp_path / 'straight'))
    assert resumed.losses[:2] == first.losses and len(resumed.losses) == 3
    assert resumed.losses == straight.losses  # stateless in-graph draws: resuming changes nothing
    np.testing.assert_array_equal(resumed.samples[-1], straight.samples[-1])


@pytest.mark.parametrize('name', ['mlp_udacity', 'dcgan'])
def test_fused_feed_loop_matches_the_faithful_loop_losses(mnist_data, tmp_path, name):
    histories = []
    for loop in ('faithful', 'fused'):
        config = train.TrainConfig(epochs=2, batch_size=50, max_batches_per_epoch=5, seed=3, tensorboard=False,
                                   loop=loop)
        histories.append(train.train_new_graph(BUILDS[name](), small_train_set(mnist_data, 3), config,
                                               str(tmp_path / loop)))
    np.testing.assert_allclose(histories[0].losses, histories[1].losses, rtol=1e-4)
    # The DCGAN samples with its moving statistics, which follow the noise-only biases (see
    # biases_feeding_batch_norm): 10 iterations apart by up to 2e-4 on [-1, 1]
    np.testing.assert_allclose(histories[0].samples[-1], histories[1].samples[-1], atol=5e-4 if name == 'dcgan' else 1e-4)


def test_loop_options_are_checked():
    with pytest.raises(ValueError, match='loop must be one of'):
        train.make_loop(None, train.TrainConfig(loop='async'), None)
    with pytest.raises(ValueError, match='--loop=in_graph only'):
        train.make_loop(None, train.TrainConfig(loop='fused', steps_per_run=4), None)


def test_inputs_of_two_domains_take_their_own_domain_in_both_feeds():
    """A data set of two unpaired domains stores examples as (N, 2, ...): Data(domain=k) takes domain k,
    in the in-graph batch as in the numpy feed."""
    num_examples, batch_size = 8, 4
    spec = data_spec.DataSpec('pairs', (2, 2, 1), num_classes=10, domains=2)
    pairs = description.Description(
        name='pairs', module='none', hparams={}, shaping=(), data=spec,
        inputs={'a': description.Data(domain=0), 'b': description.Data(domain=1),
                'labels_b': description.Data('labels', domain=1)},
        networks={}, losses={}, optimizers={}, steps=[], exports={})
    images = np.arange(num_examples * 8, dtype=np.float32).reshape(num_examples, 2, 2, 2, 1)
    labels = np.arange(num_examples * 2).reshape(num_examples, 2)
    with tf.Graph().as_default():
        data = steps.in_graph_data(pairs, num_examples, seed=0)
        first_batch = v1.placeholder(tf.int32, ())
        batch = steps.InGraphSource(pairs, data, first_batch, batch_size, seed=0).new_batch(0)
        with v1.Session() as sess:
            sess.run(v1.local_variables_initializer(), {data.initial_values['images']: images,
                                                        data.initial_values['labels']: labels})
            sess.run(data.shuffle, {data.epoch: 1})
            order, a, b, labels_b = sess.run([data.order, batch['a'], batch['b'], batch['labels_b']],
                                             {first_batch: 1, data.epoch: 1})
        rows = order[batch_size:2 * batch_size]
        np.testing.assert_array_equal(a, images[rows, 0])
        np.testing.assert_array_equal(b, images[rows, 1])
        np.testing.assert_array_equal(labels_b, labels[rows, 1])
        placeholders = {name: v1.placeholder(tf.float32) for name in pairs.inputs}
        fed = train.numpy_feed(pairs, placeholders, images, labels, np.random.RandomState(0))
    np.testing.assert_array_equal(fed[placeholders['b']], images[:, 1])
    np.testing.assert_array_equal(fed[placeholders['labels_b']], labels[:, 1])


def test_a_gated_step_updates_only_where_its_gate_is_true(mnist_data):
    """The gate is decided in the graph, in the step's own sess.run: closed, the step changes nothing."""
    gate_open = {'value': None}

    def describe():
        description = mlp_gan.describe()
        step = dataclasses.replace(description.steps[0], gate=lambda nets, batch: gate_open['value'])
        return dataclasses.replace(description, steps=[step, description.steps[1]])
    with tf.Graph().as_default():
        gate_open['value'] = v1.placeholder_with_default(False, ())
        training_graph = train_graph.build(describe())
        images, _ = small_train_set(mnist_data, 0).next_batch(32)
        feed = train.numpy_feed(training_graph.description, training_graph.placeholders, images, None,
                                np.random.RandomState(0))
        with runner_lib.SessionRunner().start() as runner:
            before = all_values(runner.session)
            runner.run(training_graph.train_ops['discriminator'], feed)
            closed = all_values(runner.session)
            runner.run(training_graph.train_ops['discriminator'], {**feed, gate_open['value']: True})
            opened = all_values(runner.session)
    assert all(np.array_equal(before[name], closed[name]) for name in before)
    changed = {name for name in before if not np.array_equal(closed[name], opened[name])}
    assert {name for name in changed if not name.startswith('beta')} == {
        name for name in changed if name.startswith('discriminator/')} and changed


def test_a_step_may_train_several_networks_as_one():
    """trains=(a, b): one optimizer over both networks' variables (a VAE's encoder and decoder)."""
    description = mlp_gan.describe()
    joint = dataclasses.replace(description.steps[1], trains=('generator', 'discriminator'))
    with tf.Graph().as_default():
        training_graph = train_graph.build(dataclasses.replace(description, steps=[description.steps[0], joint]))
        trained = {var.op.name for _, var in training_graph.optimizers['g'].compute_gradients(
            training_graph.losses['Generator'], train_graph.step_variables(training_graph.variables, joint))}
        both = training_graph.variables['generator'] + training_graph.variables['discriminator']
    assert trained == {var.op.name for var in both}
    with pytest.raises(ValueError, match="names network 'encoder'"):
        dataclasses.replace(description, steps=[dataclasses.replace(joint, trains=('generator', 'encoder'))])


@pytest.mark.parametrize('name', ['dcgan', 'wgan', 'mlp_gated_d', 'mlp_lazy_g'])
def test_the_xla_compiled_chain_trains_as_the_uncompiled_one(mnist_data, tmp_path, name):
    """--xla compiles each run of chained iterations as one XLA computation, the batches gathered and drawn
    outside it: the same batches and updates (batch norm, clipping, a gate, a lazy step), to float
    rounding."""
    histories = []
    for xla in (False, True):
        config = train.TrainConfig(epochs=2, batch_size=32, max_batches_per_epoch=7, seed=4, tensorboard=False,
                                   loop='in_graph', steps_per_run=3, xla=xla)
        histories.append(train.train_new_graph(EQUAL_BUILDS[name](), small_train_set(mnist_data, 4), config,
                                               str(tmp_path / f'xla{xla}')))
    plain, compiled = histories
    np.testing.assert_allclose(compiled.losses, plain.losses, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(compiled.samples[-1], plain.samples[-1], atol=1e-3)
    assert not np.allclose(plain.samples[0], plain.samples[-1], atol=1e-2)   # it trained


def test_xla_names_the_op_it_cannot_compile(mnist_data, tmp_path):
    """The Keras DCGAN's up-sampling gradient has no XLA CPU kernel: one clear error, not TensorFlow's trace."""
    config = train.TrainConfig(epochs=1, batch_size=8, max_batches_per_epoch=2, seed=1, tensorboard=False,
                               loop='in_graph', steps_per_run=2, xla=True)
    with pytest.raises(ValueError, match='--xla: XLA cannot compile .* ResizeNearestNeighborGrad .* without --xla'):
        images = mnist_data.train.all_images[:64].reshape(-1, 28, 28, 1)
        train.train_new_graph(keras_dcgan.describe(), mnist.DataSet(images, mnist_data.train.all_labels[:64],
                                                                    np.random.RandomState(1)), config, str(tmp_path))
