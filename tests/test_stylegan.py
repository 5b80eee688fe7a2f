"""StyleGAN-style generator: equalised learning rate, styles, noise, mixing, R1, the EMA generator Gs."""
import math

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.figures import family as family_figures
from gan_graph.figures import stylegan as figures
from gan_graph.models import stylegan
from gan_graph.nn import losses
from gan_graph.nn import stylegan_ops as ops
from gan_graph.train import graph as train_graph, run_dir, sampling
from conftest import build_graph, feed as make_feed, names, run_script

v1 = tf.compat.v1
TINY = dict(z_size=8, dlatent_size=8, mapping_layers=2, mapping_fmaps=8, fmap_base=16, fmap_max=8)
TINY_FLAGS = ['--z_size=8', '--dlatent_size=8', '--mapping_layers=2', '--mapping_fmaps=8', '--fmap_base=16',
              '--fmap_max=8']


def test_equalized_weight_is_stored_at_1_over_lrmul_and_scaled_by_he_constant_times_lrmul():
    with tf.Graph().as_default():
        v1.set_random_seed(0)
        x = tf.constant(np.random.RandomState(0).normal(size=(3, 400)), tf.float32)
        with v1.variable_scope('layer'):
            y = ops.equalized_dense(x, 300, lrmul=0.01)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            stored, x_value, y_value = sess.run([v1.global_variables('layer/weight')[0], x, y])
    assert abs(stored.std() - 100.0) < 2.0 and abs(stored.mean()) < 1.0   # N(0, 1/lrmul)
    np.testing.assert_allclose(y_value, x_value @ (stored * math.sqrt(2) / math.sqrt(400) * 0.01), rtol=1e-4, atol=1e-4)


def test_instance_norm_then_style_gives_each_channel_mean_b_and_std_s_plus_1():
    rng = np.random.RandomState(1)
    x_value = rng.normal(3.0, 5.0, size=(2, 8, 8, 4)).astype(np.float32)
    w_value = rng.normal(size=(2, 6)).astype(np.float32)
    with tf.Graph().as_default():
        with v1.variable_scope('layer'):
            y = ops.style_mod(ops.instance_norm(tf.constant(x_value)), tf.constant(w_value))
        weight, bias = v1.global_variables('layer/StyleMod/')
        assert names([weight, bias]) == ['layer/StyleMod/weight', 'layer/StyleMod/bias']
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(bias.assign(rng.normal(size=8)))
            y_value, weight_value, bias_value = sess.run([y, weight, bias])
    style = w_value @ (weight_value / math.sqrt(6)) + bias_value   # gain 1, fan-in 6
    scale, shift = style[:, :4] + 1, style[:, 4:]
    np.testing.assert_allclose(y_value.mean(axis=(1, 2)), shift, atol=1e-4)
    np.testing.assert_allclose(y_value.std(axis=(1, 2)), np.abs(scale), rtol=1e-4)


def test_noise_weights_start_at_zero_so_fresh_noise_changes_nothing_at_first():
    with tf.Graph().as_default():
        placeholders, samples = train_graph.build_sampler(stylegan.describe(**TINY))
        noise_weights = [var for var in v1.global_variables() if var.op.name.endswith('Noise/weight')]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            initial = sess.run(noise_weights)
            feed = {placeholders['z']: np.random.RandomState(0).normal(size=(3, 8))}
            first, second = (sess.run(samples, feed) for _ in range(2))
            sess.run([var.assign(tf.ones_like(var)) for var in noise_weights])
            third, fourth = (sess.run(samples, feed) for _ in range(2))
    assert len(noise_weights) == 8 and all((value == 0).all() for value in initial)
    np.testing.assert_array_equal(first, second)
    assert np.abs(third - fourth).max() > 1e-3


def test_r1_penalty_equals_finite_differences_of_the_discriminator():
    rng = np.random.RandomState(2)
    reals = rng.uniform(-1, 1, size=(4, 8, 8, 1)).astype(np.float64)
    with tf.Graph().as_default():
        v1.set_random_seed(3)
        images = v1.placeholder(tf.float64, (4, 8, 8, 1))
        with v1.variable_scope('', dtype=tf.float64):
            scores = stylegan.discriminator(images, fmap_base=16, fmap_max=8, resolution=8)
        penalty, total_score = losses.r1_penalty(scores, images), tf.reduce_sum(scores)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            found = sess.run(penalty, {images: reals})
            total = lambda values: sess.run(total_score, {images: values})  # noqa: E731
            eps, gradients = 1e-5, np.zeros_like(reals)
            for index in np.ndindex(reals.shape):
                step = np.zeros_like(reals)
                step[index] = eps
                gradients[index] = (total(reals + step) - total(reals - step)) / (2 * eps)
    expected = np.mean(np.sum(gradients ** 2, axis=(1, 2, 3)))
    assert expected > 0
    np.testing.assert_allclose(found, expected, rtol=1e-4)


def test_mixing_takes_w2_exactly_from_the_cutoff_layer_on():
    rng = np.random.RandomState(4)
    first, second = rng.normal(size=(2, 3, 8, 5)).astype(np.float32)
    with tf.Graph().as_default(), v1.Session() as sess:
        cutoff = v1.placeholder(tf.int32, ())
        mixed = stylegan.mix(tf.constant(first), tf.constant(second), cutoff)
        for layer in range(9):
            value = sess.run(mixed, {cutoff: layer})
            np.testing.assert_array_equal(value[:, :layer], first[:, :layer])
            np.testing.assert_array_equal(value[:, layer:], second[:, layer:])
        never, always = stylegan.mixing_cutoff(8, 0.0), stylegan.mixing_cutoff(8, 1.0)
        draws = np.array([sess.run([never, always]) for _ in range(200)])
    assert set(draws[:, 0]) == {8} and set(draws[:, 1]) == set(range(1, 8))


def test_steps_gs_follows_the_ema_of_g_and_dlatent_avg_the_running_mean_of_w():
    graph, model = build_graph(stylegan.describe, batch_size=4, **TINY)
    assert model.description.steps[1].networks == ('mapping', 'synthesis')
    beta = 0.5 ** (4 / 10000)
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        g_vars = [var for var in v1.global_variables() if var.op.name.startswith(('G_mapping/', 'G_synthesis/'))
                  and 'Adam' not in var.op.name]
        gs_vars = v1.global_variables('Gs/')
        assert names(gs_vars) == ['Gs/' + name for name in names(g_vars)]
        assert names(model.export_state['generator']) == names(gs_vars)
        np.testing.assert_array_equal(*sess.run([g_vars[0], gs_vars[0]]))   # Gs starts as G
        trainable = {var.op.name for var in v1.trainable_variables()}
        z = v1.placeholder(tf.float32, (None, 8))
        w = stylegan.mapping(z, reuse=True, track_average=False, **model.description.networks['mapping'].kwargs)
        rng = np.random.RandomState(5)
        for _ in range(2):   # G's first step moves it from Gs; the second D step averages them
            feed = make_feed(model, rng.uniform(-1, 1, (4, 32, 32, 1)), rng)
            g_before, gs_before = sess.run(g_vars), sess.run(gs_vars)
            sess.run(model.train_ops['discriminator'], feed)
            g_after, gs_after = sess.run(g_vars), sess.run(gs_vars)
            for name, g, old, new in zip(names(g_vars), g_after, gs_before, gs_after):
                rate = beta if name in trainable else 0.0
                np.testing.assert_allclose(new, g + (old - g) * rate, rtol=1e-5, atol=1e-7)
            for before, after in zip(g_before, g_after):
                np.testing.assert_array_equal(before, after)   # the D step leaves G alone
            average, w_value = sess.run(v1.global_variables('G_mapping/dlatent_avg')[0]), sess.run(w, {z: feed[model.placeholders['z']]})
            sess.run(model.train_ops['generator'], feed)
            np.testing.assert_array_equal(sess.run(gs_vars[0]), gs_after[0])   # the G step leaves Gs alone
            batch_mean = w_value.mean(axis=0)
            np.testing.assert_allclose(sess.run(v1.global_variables('G_mapping/dlatent_avg')[0]),
                                       batch_mean + (average - batch_mean) * 0.995, rtol=1e-5, atol=1e-6)
        assert not np.array_equal(*sess.run([g_vars[0], gs_vars[0]]))


@pytest.fixture(scope='module')
def script_run(tmp_path_factory):
    out = tmp_path_factory.mktemp('stylegan_run')
    result = run_script('train_stylegan.py', '--epochs=1', '--max_batches_per_epoch=3', '--batch_size=8', '--seed=1',
                        '--notensorboard', '--loop=faithful', f'--output_dir={out}', *TINY_FLAGS)
    return out, result


def test_script_trains_and_checkpoints_gs_for_sampling_and_g_with_it_for_resuming(script_run):
    out, result = script_run
    assert result.stdout.startswith('Epoch 1/1... Discriminator Loss: ') and result.stderr == ''
    checkpoint_dir = run_dir.checkpoint_dir(str(out))
    generator = dict(tf.train.list_variables(f'{checkpoint_dir}/generator.ckpt'))
    training = dict(tf.train.list_variables(tf.train.latest_checkpoint(checkpoint_dir, 'training_checkpoint')))
    assert generator and all(name.startswith('Gs/') for name in generator)
    assert {'Gs/G_mapping/dlatent_avg', 'G_mapping/dlatent_avg', 'G_synthesis/4x4/Const/const'} <= set(training)
    assert set(generator) <= set(training)
    samples = sampling.sample_generator(checkpoint_dir, 5, seed=3)
    again = sampling.sample_generator(checkpoint_dir, 5, seed=3)
    truncated = sampling.sample_generator(checkpoint_dir, 5, seed=3, hparams={'truncation_psi': 0.5})
    assert samples.shape == (5, 32, 32, 1) and -1 <= samples.min() <= samples.max() <= 1   # clipped, as the judge wants
    np.testing.assert_array_equal(samples, again)   # the layer noise is seeded too
    assert np.abs(samples - truncated).max() > 1e-4
    with pytest.raises(ValueError, match='truncation_psi'):
        sampling.with_sampling_hparams({'model': 'dcgan', 'hparams': {}}, {'truncation_psi': 0.5})


def test_figures_are_style_mixing_truncation_and_noise(script_run, monkeypatch):
    out, _ = script_run
    record = family_figures.run_record(str(out))
    paths = figures.stylegan_figures(str(out), record, str(out / 'figures'), 0, print, num_a=1, num_b=2,
                                     truncation_rows=1)
    assert [path.rsplit('/', 1)[1] for path in paths] == ['style_mixing.png', 'truncation.png', 'noise.png']
    monkeypatch.setitem(family_figures.FIGURES_BY_MODEL, 'stylegan',
                        lambda run, record, figures_dir, seed, log: [record['model'], seed])
    assert list(family_figures.family_figures(str(out), seed=4)) == ['stylegan', 4]
    rng = np.random.RandomState(6)
    w_a, w_b = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    mixed = figures.mixed_styles(w_a, w_b, range(2, 4), 8)
    assert mixed.shape == (2, 4, 8, 3)
    np.testing.assert_array_equal(mixed[1, 3, 2:4], [w_b[3]] * 2)
    np.testing.assert_array_equal(mixed[1, 3, 4:], [w_a[1]] * 4)
    truncated = figures.truncated_styles(w_a, np.ones(3), (1.0, 0.0), 8)
    np.testing.assert_allclose(truncated[:, 0, 0], w_a)
    np.testing.assert_allclose(truncated[:, 1], np.ones((2, 8, 3)))
