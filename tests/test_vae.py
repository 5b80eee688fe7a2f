"""The VAE: its ELBO terms equal numpy, the reparameterization carries the gradient into the encoder, a
run resumes bit-identically, and a run directory serves sampling, the test ELBO and the figures."""
import functools
import math

import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.evaluate import evaluation, vae as vae_eval
from gan_graph.figures import vae as vae_figures
from gan_graph.models import vae
from gan_graph.nn import losses
from gan_graph.train import loop as train, run_dir, sampling
from conftest import build_graph, feed as make_feed, names, run_script

v1 = tf.compat.v1
TINY = {'conv': dict(encoder_filters=(4, 8), decoder_filters=(8, 4), units=16),
        'tutorial': dict(encoder_filters=(4, 8), decoder_filters=(4, 8, 4))}


def tiny(variant='conv', z_dim=3, **kwargs):
    return functools.partial(vae.describe, variant=variant, z_dim=z_dim, **TINY[variant], **kwargs)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.log1p(np.exp(x))


def test_elbo_terms_equal_numpy_on_fixed_inputs():
    rng = np.random.RandomState(0)
    x = (rng.uniform(size=(4, 28, 28, 1)) > 0.6).astype(np.float32)
    x[0] = rng.uniform(size=(28, 28, 1))  # grey pixels too: the conv variant sees [0, 1] values
    probs = rng.uniform(0.01, 0.99, size=x.shape).astype(np.float32)
    logits = rng.normal(0, 2, size=x.shape).astype(np.float32)
    mean, stddev, logvar, z = (rng.normal(size=(4, 5)).astype(np.float32) for _ in range(4))
    stddev = np.abs(stddev) + 0.1
    with tf.Graph().as_default(), v1.Session() as sess:
        got = sess.run([losses.bernoulli_log_likelihood(x, probs),
                        losses.bernoulli_log_likelihood_from_logits(x, logits),
                        losses.gaussian_kl(mean, stddev), losses.log_normal_pdf(z, mean, logvar),
                        losses.log_normal_pdf(z, 0., 0.)])
    axes = (1, 2, 3)
    np.testing.assert_allclose(got[0], (x * np.log(probs) + (1 - x) * np.log(1 - probs)).sum(axes), rtol=1e-5)
    p = sigmoid(logits.astype(np.float64))
    np.testing.assert_allclose(got[1], (x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axes), rtol=1e-4)
    kl = 0.5 * (mean ** 2 + stddev ** 2 - np.log(stddev ** 2) - 1).sum(1)  # KL(N(m, s^2) || N(0, 1))
    np.testing.assert_allclose(got[2], kl, rtol=1e-5)
    log_q = (-0.5 * (z - mean) ** 2 / np.exp(logvar) - 0.5 * logvar - 0.5 * np.log(2 * np.pi)).sum(1)
    np.testing.assert_allclose(got[3], log_q, rtol=1e-5)
    np.testing.assert_allclose(got[4], (-0.5 * z ** 2 - 0.5 * np.log(2 * np.pi)).sum(1), rtol=1e-5)


@pytest.mark.parametrize('variant', vae.VARIANTS)
def test_logged_losses_are_the_batch_means_of_the_terms_on_the_networks_outputs(variant, mnist_data):
    """Reconstruction, KL and -ELBO of the built graph, recomputed in numpy from the encoder's and the
    decoder's outputs on z = mean + stddev * eps (the fed noise)."""
    graph, model = build_graph(tiny(variant))
    images = mnist_data.train.all_images[:6].reshape(-1, 28, 28, 1)
    feed = make_feed(model, images, np.random.RandomState(1))
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        encoded = graph.get_tensor_by_name('encoder/en_fc4/BiasAdd:0' if variant == 'conv'
                                           else 'encoder/dense/BiasAdd:0')
        logits = graph.get_tensor_by_name('decoder/de_dc4/BiasAdd:0' if variant == 'conv'
                                          else 'decoder/conv2d_transpose_2/BiasAdd:0')
        params, out, logged = sess.run([encoded, logits, model.logged_losses], feed)
    eps = feed[model.placeholders['z']]
    first, second = params[:, :3], params[:, 3:]
    x = images.astype(np.float64)
    if variant == 'conv':
        stddev = 1e-6 + softplus(second)
        probs = np.clip(sigmoid(out), 1e-8, 1 - 1e-8)
        kl = 0.5 * (first ** 2 + stddev ** 2 - np.log(1e-8 + stddev ** 2) - 1).sum(1)
    else:
        x = (x > .5).astype(np.float64)
        z = first + eps * np.exp(second / 2)
        probs = sigmoid(out.astype(np.float64))
        kl = (-0.5 * (z - first) ** 2 / np.exp(second) - 0.5 * second + 0.5 * z ** 2).sum(1)
    reconstruction = -(x * np.log(probs) + (1 - x) * np.log(1 - probs)).sum((1, 2, 3))
    np.testing.assert_allclose(logged, [reconstruction.mean(), kl.mean(), reconstruction.mean() + kl.mean()],
                               rtol=1e-4)
    assert model.description.logged_losses == ['Reconstruction', 'KL', '-ELBO']


def test_reparameterization_carries_the_reconstruction_gradient_into_the_encoder(mnist_data):
    graph, model = build_graph(tiny())
    encoder_variables = model.variables['encoder']
    assert names(encoder_variables)[:2] == ['encoder/en_conv1/kernel', 'encoder/en_conv1/bias']
    with graph.as_default():
        gradients = tf.gradients(model.losses['Reconstruction'], encoder_variables)
        everything = [var for var in v1.global_variables(scope='encoder/') + v1.global_variables(scope='decoder/')
                      if 'Adam' not in var.op.name]   # the networks' own variables, not the optimizer's slots
    assert all(gradient is not None for gradient in gradients)
    feed = make_feed(model, mnist_data.train.all_images[:8].reshape(-1, 28, 28, 1), np.random.RandomState(0))
    with graph.as_default(), v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        values = sess.run(gradients, feed)
        before = sess.run(everything)
        sess.run(model.train_ops['vae'], feed)
        after = sess.run(everything)
    assert all(np.abs(value).max() > 0 for value in values)
    # hwalsuklee's initializers: N(0, 0.02) for the linear layers, truncated at 2 sigma for the convolutions.
    initial = dict(zip(names(everything), before))
    assert abs(initial['decoder/de_fc2/kernel'].std() - 0.02) < 0.002
    assert 0.03 < np.abs(initial['encoder/en_conv2/kernel']).max() <= 0.04
    # One step trains both networks, and the batch-norm statistics of both follow the batch.
    unchanged = [var.op.name for var, old, new in zip(everything, before, after) if np.array_equal(old, new)]
    assert unchanged == []
    assert set(names(model.export_state['generator'])) == {var.op.name for var in everything
                                                          if var.op.name.startswith('decoder/')}


def test_resume_equals_an_uninterrupted_run(mnist_data, tmp_path):
    train_set = lambda: mnist.DataSet(mnist_data.train.all_images[:128].reshape(-1, 28, 28, 1),  # noqa: E731
                                      mnist_data.train.all_labels[:128], np.random.RandomState(0))
    config = train.TrainConfig(epochs=2, batch_size=16, max_batches_per_epoch=3, seed=5, tensorboard=False)
    straight = train.train_new_graph(tiny()(), train_set(), config, str(tmp_path / 'straight'), log=lambda _: None)
    train.train_new_graph(tiny()(), train_set(), train.TrainConfig(**{**config.__dict__, 'epochs': 1}),
                          str(tmp_path / 'resumed'), log=lambda _: None)
    lines = []
    resumed = train.train_new_graph(tiny()(), train_set(), config, str(tmp_path / 'resumed'), log=lines.append)
    assert lines[0].startswith('Resuming') and resumed.losses == straight.losses
    np.testing.assert_array_equal(resumed.samples[-1], straight.samples[-1])


def test_inverse_normal_cdf_and_the_manifold_grid_orientation():
    np.testing.assert_allclose(vae_figures.inverse_normal_cdf([0.05, 0.5, 0.975]),
                               [-1.6448536269514729, 0.0, 1.959963984540054], atol=1e-10)
    axis = vae_figures.manifold_axis()
    assert len(axis) == 20 and math.isclose(axis[0], -axis[-1])
    grid = vae_figures.manifold_grid(axis).reshape(20, 20, 2)
    # Top-left: the smallest z[0] and the largest z[1]; z[0] grows along a row, z[1] falls down a column.
    np.testing.assert_allclose(grid[0, 0], [axis[0], axis[-1]])
    assert np.all(np.diff(grid[0, :, 0]) > 0) and np.all(np.diff(grid[:, 0, 1]) < 0)


def test_bad_filters_are_a_clear_error():
    with pytest.raises(ValueError, match='--decoder_filters takes 3 numbers for --variant=tutorial'):
        vae.describe(variant='tutorial', decoder_filters=(8, 4))


def test_a_script_run_serves_sampling_the_test_elbo_and_the_figures(tmp_path):
    result = run_script('train_vae.py', '--epochs=1', '--max_batches_per_epoch=3', '--seed=1', '--z_dim=2',
                        '--encoder_filters=4,8', '--decoder_filters=8,4', '--units=16', '--notensorboard',
                        f'--output_dir={tmp_path}')
    assert result.stdout.startswith('Epoch 1/1... Reconstruction Loss: ') and '-ELBO Loss: ' in result.stdout
    assert '--batch_size=64' in (tmp_path / 'flags.txt').read_text()
    samples = sampling.sample_generator(run_dir.checkpoint_dir(str(tmp_path)), 5, seed=0)
    assert samples.shape == (5, 28, 28, 1) and samples.min() >= 0 and samples.max() <= 1
    judged = evaluation.run_samples(str(tmp_path), 5, seed=0)   # what the judge sees: flat, in [-1, 1]
    np.testing.assert_allclose(judged, 2 * samples.reshape(5, -1) - 1, atol=1e-6)

    record = vae_eval.test_elbo(str(tmp_path), num_images=1000)
    assert record['num_images'] == 1000 and np.isfinite(record['elbo']) and record['kl'] > 0
    assert math.isclose(record['elbo'], -(record['reconstruction'] + record['kl']), rel_tol=1e-6)

    written = vae_figures.vae_figures(str(tmp_path), None, str(tmp_path / 'figures'), 0, print)
    assert [path.rsplit('/', 1)[1] for path in written] == ['prior_samples.png', 'reconstructions.png',
                                                            'manifold.png', 'latent_means.png']
    for path in written:
        assert matplotlib.image.imread(path).shape[0] > 100
