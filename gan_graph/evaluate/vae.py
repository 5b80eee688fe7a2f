"""A VAE run's own numbers: the test ELBO, and its encoder and decoder restored for the figures.

The generator checkpoint holds the decoder only; the encoder comes from the run's full training
checkpoint (the last finished epoch). Both networks run with training=False (batch norm's moving
statistics), so an image's code does not depend on the rest of its batch.

The test ELBO is averaged over the 10,000 test images, with one z = mean + stddev * eps per image
(eps from a seeded RandomState): conv, -(reconstruction) - the closed-form KL; tutorial, the
tutorial's one-sample Monte-Carlo estimate log p(x|z) + log p(z) - log q(z|x).
"""
import contextlib

import numpy as np
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.models import vae as vae_model
from gan_graph.train import checkpoints, manifest, run_dir

v1 = tf.compat.v1
ELBO_FORMS = {'conv': 'log p(x|z) at one z per image minus the closed-form KL',
              'tutorial': 'one-sample Monte-Carlo: log p(x|z) + log p(z) - log q(z|x) at one z per image'}


class RestoredVAE:
    """A run's encoder and decoder in their own graph and session: numpy in, numpy out."""

    def __init__(self, description, session, images, eps, z, observed, encoded, decoded, terms):
        self.description, self.session = description, session
        self._images, self._eps, self._z = images, eps, z
        self._observed, self._encoded, self._decoded, self._terms = observed, encoded, decoded, terms

    def observe(self, images):
        """The pixels the model sees (binarized for the tutorial variant)."""
        return self.session.run(self._observed, {self._images: images})

    def encode(self, images, batch_size=1000):
        """The posterior's (mean, second parameter: stddev for conv, log-variance for tutorial)."""
        parts = [self.session.run(self._encoded, {self._images: images[start:start + batch_size]})
                 for start in range(0, len(images), batch_size)]
        return tuple(np.concatenate(values) for values in zip(*parts))

    def decode(self, z):
        """Bernoulli means (N, 28, 28, 1) in [0, 1]."""
        return self.session.run(self._decoded, {self._z: z})

    def reconstruct(self, images):
        """The decoded posterior means of `images`."""
        return self.decode(self.encode(images)[0])

    def terms(self, images, eps):
        """(-log p(x|z), KL term) per image, at z = mean + stddev * eps."""
        return self.session.run(self._terms, {self._images: images, self._eps: eps})


def network(description, name):
    """The description's network `name` as fn(inputs, reuse, **call_kwargs) with training=False."""
    spec = description.networks[name]
    return lambda inputs, reuse=False, **call_kwargs: spec.fn(inputs, reuse=reuse, training=False,
                                                              **{**spec.kwargs, **call_kwargs})


@contextlib.contextmanager
def restored(run_directory):
    """Yields the RestoredVAE of a VAE run directory (its last finished epoch)."""
    record = manifest.read(run_directory)
    if record is None or record['model'] != 'vae':
        raise ValueError(f'{run_directory} holds no VAE run (its run.json names another model, or is missing)')
    description = manifest.describe(record)
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    prefix = checkpoints.latest_training_checkpoint(checkpoint_dir)
    if prefix is None:
        raise checkpoints.CheckpointError(f'no training checkpoint in {checkpoint_dir}: the encoder is saved '
                                          'there once an epoch has finished')
    variant, z_dim = record['hparams']['variant'], record['hparams']['z_dim']
    encoder, decoder = network(description, 'encoder'), network(description, 'decoder')
    with tf.Graph().as_default():
        images = v1.placeholder(tf.float32, (None,) + description.data.shape, name='images')
        eps = v1.placeholder(tf.float32, (None, z_dim), name='eps')
        z = v1.placeholder(tf.float32, (None, z_dim), name='z')
        observed = vae_model.observed(images, variant)
        encoded = encoder(observed)
        decoded = decoder(z, apply_sigmoid=True)
        terms = vae_model.elbo_terms(variant, lambda x: encoder(x, reuse=True),
                                     lambda x, **kwargs: decoder(x, reuse=True, **kwargs), images, eps)
        saver = v1.train.Saver(var_list=v1.global_variables())
        with v1.Session() as session:
            checkpoints.restore(session, saver, prefix)
            yield RestoredVAE(description, session, images, eps, z, observed, encoded, decoded, terms)


def test_images(description, data_dir=mnist.DEFAULT_DATA_DIR):
    """The 10,000 test images and labels, shaped and scaled as the run's data spec says."""
    images, labels = mnist.load_arrays(data_dir, 'test')
    return mnist.as_spec(images, description.data), labels


def test_elbo(run_directory, data_dir=mnist.DEFAULT_DATA_DIR, seed=0, batch_size=500, num_images=None):
    """{'elbo', 'reconstruction', 'kl', 'form', 'seed', 'num_images'}: means over the test set (its first
    `num_images` for a quick check), in nats."""
    with restored(run_directory) as model:
        images = test_images(model.description, data_dir)[0][:num_images]
        rng = np.random.RandomState(seed)
        z_dim = model.description.inputs['z'].size
        parts = [model.terms(images[start:start + batch_size],
                             rng.normal(0, 1, (len(images[start:start + batch_size]), z_dim)))
                 for start in range(0, len(images), batch_size)]
        variant = model.description.hparams['variant']
    reconstruction = float(np.concatenate([part[0] for part in parts]).mean())
    kl = float(np.concatenate([part[1] for part in parts]).mean())
    return {'elbo': -(reconstruction + kl), 'reconstruction': reconstruction, 'kl': kl,
            'form': ELBO_FORMS[variant], 'seed': seed, 'num_images': len(images)}


def format_elbo(record):
    return (f'test ELBO {record["elbo"]:.2f} nats (reconstruction {record["reconstruction"]:.2f}, KL '
            f'{record["kl"]:.2f}; {record["form"]}; {record["num_images"]} test images, eps seed {record["seed"]})')
