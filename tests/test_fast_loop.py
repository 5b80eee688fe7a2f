"""The fast path computes what the notebook's loop computes: the fused step equals the two-run step,
and the in-graph input keeps the reader's semantics."""
import functools

import numpy as np
import pytest
import tensorflow as tf

from gan_graph import dcgan, fast_loop, mlp_gan, train
from test_train import small_train_set

v1 = tf.compat.v1


def all_values(sess):
    return {var.op.name: sess.run(var) for var in v1.global_variables()}


def load_values(sess, values):
    for var in v1.global_variables():
        var.load(values[var.op.name], sess)


BUILDS = {'mlp_udacity': functools.partial(mlp_gan.build, arch='udacity'),
          'mlp_blog': functools.partial(mlp_gan.build, arch='blog'),
          # Batch norm in both nets and fresh noise for the G step: small filters keep it quick.
          'dcgan': functools.partial(dcgan.build, g_filters=(8, 4), d_filters=(4, 8), kernel_size=3)}


@pytest.mark.parametrize('name', sorted(BUILDS))
def test_fused_step_equals_the_two_run_step(name):
    rng = np.random.RandomState(0)
    with tf.Graph().as_default():
        v1.set_random_seed(1)
        model = BUILDS[name]()
        fresh = fast_loop.generator_draws_fresh_noise(model, 'fused')
        z_generator = v1.placeholder(tf.float32, model.z_input.shape) if fresh else None
        fused_op, _, _ = fast_loop.fused_step(model.networks, model.d_vars, model.g_vars,
                                              model.real_input, model.z_input, z_generator)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            feeds = [model.feed(rng.uniform(0, 1, (32, 784)), None, rng) for _ in range(3)]
            generator_feeds = [model.refresh_noise(feed, rng) if fresh else feed for feed in feeds]
            fused_feeds = [{**feed, z_generator: g_feed[model.z_input]} if fresh else feed
                           for feed, g_feed in zip(feeds, generator_feeds)]
            # Warm the optimizers up so the slots are not all zero, then start both from there.
            for feed in fused_feeds:
                sess.run(fused_op, feed)
            start = all_values(sess)
            for feed, g_feed in zip(feeds, generator_feeds):
                sess.run(model.phases[0].train_op, feed)
                sess.run(model.phases[1].train_op, g_feed)
            two_run = all_values(sess)
            load_values(sess, start)
            for feed in fused_feeds:
                sess.run(fused_op, feed)
            fused = all_values(sess)
    assert set(two_run) == set(fused) and len(fused) > 10  # weights, Adam slots, beta powers
    for var_name in two_run:
        np.testing.assert_allclose(fused[var_name], two_run[var_name], rtol=1e-5, atol=1e-6, err_msg=var_name)
    changed = {var_name for var_name in start if not np.array_equal(start[var_name], fused[var_name])}
    assert any(var_name.startswith('generator') for var_name in changed)
    # Batch-norm statistics move in training, as the two-run loop moves them.
    moving = {var_name for var_name in start if 'moving_' in var_name}
    assert (moving <= changed) and (bool(moving) == (name == 'dcgan'))


def test_fused_step_refuses_a_model_with_several_critic_steps():
    with tf.Graph().as_default():
        model = BUILDS['mlp_udacity']()
        model.phases[0].repeats = 5
        with pytest.raises(ValueError, match='--loop=in_graph fuses one D step and one G step.*use --loop=faithful'):
            fast_loop.generator_draws_fresh_noise(model, 'in_graph')


def test_in_graph_batches_use_every_image_once_per_epoch_and_reshuffle_each_epoch():
    num_examples, batch_size = 24, 6
    images = np.arange(num_examples, dtype=np.float32).reshape(num_examples, 1)
    with tf.Graph().as_default():
        epoch = v1.placeholder(tf.int32, ())
        data = fast_loop.in_graph_input(num_examples, 1, seed=0, epoch=epoch)
        index = v1.placeholder(tf.int32, ())
        batch = fast_loop.batch_images(data, index, batch_size)
        with v1.Session() as sess:
            fast_loop.initialize_input(sess, data, images)
            epochs = []
            for e in range(1, 4):
                sess.run(data.shuffle, {epoch: e})
                epochs.append(np.concatenate([sess.run(batch, {index: i}) for i in range(4)]).ravel())
    for served in epochs:
        assert sorted(served) == list(range(num_examples))
    assert not np.array_equal(epochs[0], np.arange(num_examples))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])


def test_in_graph_images_stay_out_of_checkpoints(mnist_data, tmp_path):
    config = train.TrainConfig(epochs=1, batch_size=50, max_batches_per_epoch=4, seed=1, tensorboard=False,
                               loop='in_graph', steps_per_run=2)
    train.train_new_graph(functools.partial(mlp_gan.build), small_train_set(mnist_data, 1), config, str(tmp_path))
    names = dict(tf.train.list_variables(v1.train.latest_checkpoint(str(tmp_path / 'checkpoints'),
                                                                     latest_filename='training_checkpoint')))
    assert not any(name.startswith(('train_', 'last_')) for name in names)
    assert 'generator/dense/kernel/Adam' in names


@pytest.mark.parametrize('name, loop, steps_per_run', [('mlp_blog', 'fused', 1), ('mlp_blog', 'in_graph', 1),
                                                        ('mlp_blog', 'in_graph', 3), ('dcgan', 'in_graph', 3)])
def test_fast_loops_train_and_resume(mnist_data, tmp_path, name, loop, steps_per_run):
    config = train.TrainConfig(epochs=2, batch_size=50, max_batches_per_epoch=6, seed=2, tensorboard=False,
                               loop=loop, steps_per_run=steps_per_run)
    build = BUILDS[name]
    first = train.train_new_graph(build, small_train_set(mnist_data, 2), config, str(tmp_path / 'resumed'))
    config.epochs = 3
    resumed = train.train_new_graph(build, small_train_set(mnist_data, 2), config, str(tmp_path / 'resumed'))
    straight = train.train_new_graph(build, small_train_set(mnist_data, 2), config, str(tmp_path / 'straight'))
    assert resumed.losses[:2] == first.losses and len(resumed.losses) == 3
    assert resumed.losses == straight.losses  # stateless in-graph draws: resuming changes nothing
    np.testing.assert_array_equal(resumed.samples[-1], straight.samples[-1])


@pytest.mark.parametrize('name', ['mlp_udacity', 'dcgan'])
def test_fused_feed_loop_matches_the_faithful_loop_losses(mnist_data, tmp_path, name):
    histories = []
    for loop in ('faithful', 'fused'):
        config = train.TrainConfig(epochs=2, batch_size=50, max_batches_per_epoch=5, seed=3, tensorboard=False,
                                   loop=loop)
        histories.append(train.train_new_graph(BUILDS[name], small_train_set(mnist_data, 3), config,
                                               str(tmp_path / loop)))
    np.testing.assert_allclose(histories[0].losses, histories[1].losses, rtol=1e-4)
    np.testing.assert_allclose(histories[0].samples[-1], histories[1].samples[-1], atol=1e-4)


def test_loop_options_are_checked():
    with tf.Graph().as_default():
        model = mlp_gan.build()
        with pytest.raises(ValueError, match='loop must be one of'):
            train.make_loop(model, train.TrainConfig(loop='async'), None)
        with pytest.raises(ValueError, match='--loop=in_graph only'):
            train.make_loop(model, train.TrainConfig(loop='fused', steps_per_run=4), None)
