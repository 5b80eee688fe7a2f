"""Variational autoencoder on MNIST: the other way to learn P(X), beside the GANs, on the same loop.

An encoder maps an image x to a Gaussian q(z|x) = N(mean, stddev^2); a decoder maps a latent z to the
means of independent Bernoulli pixels p(x|z). Training maximizes the evidence lower bound
ELBO = E_q[log p(x|z)] - KL(q(z|x) || N(0, I)), with z = mean + stddev * eps, eps ~ N(0, I) (the
reparameterization: the gradient reaches the encoder through mean and stddev). The description's
noise input `z` is that eps while training, and the prior sample the exported decoder draws from.

variant='conv' (hwalsuklee/tensorflow-generative-model-collections, VAE.py; the infoGAN networks):
  encoder (64)4c2s - (128)4c2s BN lReLU - FC1024 BN lReLU - FC 2*z_dim: mean, stddev = 1e-6 + softplus;
  decoder FC1024 BN ReLU - FC 7*7*128 BN ReLU - (64)4dc2s BN ReLU - (1)4dc2s sigmoid (clipped to
  [1e-8, 1 - 1e-8]). Loss -ELBO = Bernoulli cross-entropy (summed over pixels, mean over the batch)
  + the closed-form KL. Weights N(0, 0.02) (convolutions truncated), batch norm decay 0.9, eps 1e-5.
  Adam(1e-3, beta1=0.5), batch 64, z_dim 62. (The reference trains on train+test; we train on the
  55,000 training images and report on the test set.)
variant='tutorial' (TensorFlow's "Convolutional Variational Autoencoder"): no batch norm; encoder
  conv 32 3x3 s2 ReLU - conv 64 3x3 s2 ReLU (valid padding) - dense 2*z_dim: mean, log-variance;
  decoder dense 7*7*32 ReLU - deconv 64 3x3 s2 ReLU - deconv 32 3x3 s2 ReLU - deconv 1 3x3 s1 (logits).
  Pixels binarized at 0.5; -ELBO estimated with one sample: -(log p(x|z) + log p(z) - log q(z|x)).
  Keras' Adam(1e-4) (beta1 0.9, epsilon 1e-7); the stored runs used z_dim 50 and batch 100.
"""
import functools

import tensorflow as tf

from gan_graph.data import spec as spec_lib
from gan_graph.models import description as d
from gan_graph.nn import losses, ops

v1 = tf.compat.v1

IMAGE_SHAPE = (28, 28, 1)
VARIANTS = ('conv', 'tutorial')
# What each variant's reference uses where a flag is not given.
VARIANT_DEFAULTS = {
    'conv': dict(z_dim=62, learning_rate=1e-3, beta1=0.5, epsilon=1e-8, batch_size=64,
                 encoder_filters=(64, 128), decoder_filters=(128, 64), units=1024),
    'tutorial': dict(z_dim=50, learning_rate=1e-4, beta1=0.9, epsilon=1e-7, batch_size=100,
                     encoder_filters=(32, 64), decoder_filters=(32, 64, 32), units=0),
}
FILTER_COUNTS = {'conv': (2, 2), 'tutorial': (2, 3)}   # (encoder, decoder) filter counts
# hwalsuklee's ops.py: linear and deconv2d draw N(0, 0.02), conv2d a truncated N(0, 0.02).
NORMAL_INIT = v1.random_normal_initializer(stddev=0.02)
TRUNCATED_INIT = v1.truncated_normal_initializer(stddev=0.02)
OUTPUT_CLIP = 1e-8


def batch_norm(x, training, name):
    """hwalsuklee's `bn`: tf.contrib.layers.batch_norm with decay 0.9, epsilon 1e-5, scale=True."""
    return ops.batch_norm(x, training=training, momentum=0.9, epsilon=1e-5, name=name)


def conv_encoder(x, reuse=False, training=True, z_dim=62, filters=(64, 128), units=1024, alpha=0.2):
    """Images -> (mean, stddev), each (N, z_dim). Architecture: (64)4c2s-(128)4c2s_BL-FC1024_BL-FC2z."""
    with v1.variable_scope('encoder', reuse=reuse):
        x = tf.reshape(x, (-1,) + IMAGE_SHAPE)
        net = ops.leaky_relu(ops.conv2d(x, filters[0], 4, strides=2, padding='same', name='en_conv1',
                                        kernel_initializer=TRUNCATED_INIT), alpha)
        net = ops.conv2d(net, filters[1], 4, strides=2, padding='same', name='en_conv2',
                         kernel_initializer=TRUNCATED_INIT)
        net = ops.leaky_relu(batch_norm(net, training, 'en_bn2'), alpha)
        net = ops.dense(ops.flatten(net), units, name='en_fc3', kernel_initializer=NORMAL_INIT)
        net = ops.leaky_relu(batch_norm(net, training, 'en_bn3'), alpha)
        gaussian_params = ops.dense(net, 2 * z_dim, name='en_fc4', kernel_initializer=NORMAL_INIT)
        # The mean is unconstrained; the standard deviation positive: softplus, plus a small epsilon.
        mean = gaussian_params[:, :z_dim]
        stddev = 1e-6 + tf.nn.softplus(gaussian_params[:, z_dim:])
        return mean, stddev


def conv_decoder(z, reuse=False, training=True, apply_sigmoid=False, filters=(128, 64), units=1024):
    """z -> pixel logits (N, 28, 28, 1), or Bernoulli means with apply_sigmoid.
    Architecture: FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_S."""
    with v1.variable_scope('decoder', reuse=reuse):
        net = tf.nn.relu(batch_norm(ops.dense(z, units, name='de_fc1', kernel_initializer=NORMAL_INIT),
                                    training, 'de_bn1'))
        net = ops.dense(net, 7 * 7 * filters[0], name='de_fc2', kernel_initializer=NORMAL_INIT)
        net = tf.nn.relu(batch_norm(net, training, 'de_bn2'))
        net = tf.reshape(net, (-1, 7, 7, filters[0]))
        net = ops.conv2d_transpose(net, filters[1], 4, strides=2, padding='same', name='de_dc3',
                                   kernel_initializer=NORMAL_INIT)
        net = tf.nn.relu(batch_norm(net, training, 'de_bn3'))
        logits = ops.conv2d_transpose(net, 1, 4, strides=2, padding='same', name='de_dc4',
                                      kernel_initializer=NORMAL_INIT)
        return tf.sigmoid(logits) if apply_sigmoid else logits


def tutorial_encoder(x, reuse=False, training=True, z_dim=50, filters=(32, 64)):
    """Images -> (mean, logvar), each (N, z_dim). No batch norm: `training` changes nothing."""
    del training
    with v1.variable_scope('encoder', reuse=reuse):
        x = tf.reshape(x, (-1,) + IMAGE_SHAPE)
        x = ops.conv2d(x, filters[0], 3, strides=2, activation=tf.nn.relu)   # 28x28 -> 13x13
        x = ops.conv2d(x, filters[1], 3, strides=2, activation=tf.nn.relu)   # 13x13 -> 6x6
        # No activation
        mean, logvar = tf.split(ops.dense(ops.flatten(x), z_dim + z_dim), num_or_size_splits=2, axis=1)
        return mean, logvar


def tutorial_decoder(z, reuse=False, training=True, apply_sigmoid=False, filters=(32, 64, 32)):
    """z -> pixel logits (N, 28, 28, 1), or Bernoulli means with apply_sigmoid."""
    del training
    with v1.variable_scope('decoder', reuse=reuse):
        x = ops.dense(z, 7 * 7 * filters[0], activation=tf.nn.relu)
        x = tf.reshape(x, (-1, 7, 7, filters[0]))
        x = ops.conv2d_transpose(x, filters[1], 3, strides=2, padding='same', activation=tf.nn.relu)
        x = ops.conv2d_transpose(x, filters[2], 3, strides=2, padding='same', activation=tf.nn.relu)
        # No activation
        logits = ops.conv2d_transpose(x, 1, 3, strides=1, padding='same')
        return tf.sigmoid(logits) if apply_sigmoid else logits


def observed(images, variant):
    """The pixels the model sees and reconstructs: the tutorial binarizes them at 0.5."""
    return tf.cast(images > .5, tf.float32) if variant == 'tutorial' else images


def elbo_terms(variant, encode, decode, images, eps):
    """(-log p(x|z), the KL term), one value per example, on one z = mean + stddev * eps per example.

    conv: the KL term in closed form. tutorial: the one-sample Monte-Carlo estimate
    log q(z|x) - log p(z), as the tutorial's compute_loss adds it.
    """
    x = observed(images, variant)
    if variant == 'conv':
        mean, stddev = encode(x)
        z = mean + stddev * eps
        probs = tf.clip_by_value(decode(z, apply_sigmoid=True), OUTPUT_CLIP, 1 - OUTPUT_CLIP)
        return -losses.bernoulli_log_likelihood(x, probs), losses.gaussian_kl(mean, stddev)
    mean, logvar = encode(x)
    z = eps * tf.exp(logvar * .5) + mean
    log_px_z = losses.bernoulli_log_likelihood_from_logits(x, decode(z))
    return -log_px_z, losses.log_normal_pdf(z, mean, logvar) - losses.log_normal_pdf(z, 0., 0.)


def batch_terms(variant, nets, batch):
    return elbo_terms(variant, nets.encoder, nets.decoder, batch.real, batch.z)


def reconstruction_loss(nets, batch, variant):
    """hwalsuklee's neg_loglikelihood: -mean over the batch of log p(x|z)."""
    return tf.reduce_mean(batch_terms(variant, nets, batch)[0])


def kl_loss(nets, batch, variant):
    return tf.reduce_mean(batch_terms(variant, nets, batch)[1])


def negative_elbo(nets, batch, variant):
    """The loss both networks minimize: -ELBO = reconstruction + KL, batch means."""
    reconstruction, kl = batch_terms(variant, nets, batch)
    return tf.reduce_mean(reconstruction) + tf.reduce_mean(kl)


def hparams_for(variant, **given):
    """The variant's defaults where `given` holds None."""
    if variant not in VARIANTS:
        raise ValueError(f'--variant must be one of {VARIANTS}, got {variant!r}')
    defaults = VARIANT_DEFAULTS[variant]
    return {name: defaults[name] if value is None else value for name, value in given.items()}


def check_filters(variant, encoder_filters, decoder_filters):
    expected = FILTER_COUNTS[variant]
    for flag, filters, count in zip(('encoder_filters', 'decoder_filters'), (encoder_filters, decoder_filters),
                                    expected):
        if len(filters) != count:
            raise ValueError(f'--{flag} takes {count} numbers for --variant={variant}, got {list(filters)}')


def networks(variant, z_dim, encoder_filters, decoder_filters, units, alpha):
    if variant == 'conv':
        return {'encoder': d.Network('encoder', conv_encoder, dict(z_dim=z_dim, filters=encoder_filters,
                                                                   units=units, alpha=alpha)),
                'decoder': d.Network('decoder', conv_decoder, dict(filters=decoder_filters, units=units))}
    return {'encoder': d.Network('encoder', tutorial_encoder, dict(z_dim=z_dim, filters=encoder_filters)),
            'decoder': d.Network('decoder', tutorial_decoder, dict(filters=decoder_filters))}


def describe(variant='conv', z_dim=None, learning_rate=None, beta1=None, epsilon=None, encoder_filters=None,
             decoder_filters=None, units=None, alpha=0.2):
    hparams = hparams_for(variant, z_dim=z_dim, learning_rate=learning_rate, beta1=beta1, epsilon=epsilon,
                          encoder_filters=encoder_filters, decoder_filters=decoder_filters, units=units)
    encoder_filters, decoder_filters = tuple(hparams['encoder_filters']), tuple(hparams['decoder_filters'])
    check_filters(variant, encoder_filters, decoder_filters)
    hparams.update(variant=variant, alpha=alpha, encoder_filters=list(encoder_filters),
                   decoder_filters=list(decoder_filters))
    adam = functools.partial(v1.train.AdamOptimizer, hparams['learning_rate'], beta1=hparams['beta1'],
                             epsilon=hparams['epsilon'])
    terms = {name: d.Loss(functools.partial(fn, variant=variant))
             for name, fn in (('Reconstruction', reconstruction_loss), ('KL', kl_loss), ('-ELBO', negative_elbo))}
    return d.Description(
        name=f'vae_{variant}', module='vae', hparams=hparams,
        shaping=('variant', 'z_dim', 'encoder_filters', 'decoder_filters', 'units'),
        # Pixels in [0, 1]: the Bernoulli likelihood's range, not the GANs' [-1, 1].
        data=spec_lib.mnist_spec(flat=False, value_range=(0.0, 1.0), labels=False),
        # z: the reparameterization's eps while training, the prior sample when the decoder samples.
        inputs={'real': d.Data(), 'z': d.Noise('normal', hparams['z_dim'])},
        networks=networks(variant, hparams['z_dim'], encoder_filters, decoder_filters, hparams['units'], alpha),
        losses=terms,
        optimizers={'vae': adam},
        steps=[d.Step('vae', '-ELBO', trains=('encoder', 'decoder'), optimizer='vae')],
        exports={'generator': d.Sampler('decoder', call_kwargs={'training': False, 'apply_sigmoid': True})})
