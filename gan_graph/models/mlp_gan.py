"""The Udacity MNIST GAN (`gan_mnist` notebook) and the blog's two-hidden-layer variant.

Reads as the notebook does: inputs, generator, discriminator, losses, optimizers. `arch='udacity'` is
the notebook (one hidden layer); `arch='blog'` adds dense(256) + leaky ReLU to both networks.
Training, as the notebook's loop: a D step on a new batch and fresh uniform noise, then a G step on the
same batch_z; Adam(0.002) for both.
"""
import functools

import tensorflow as tf

from gan_graph.data import spec as spec_lib
from gan_graph.models import description as d
from gan_graph.nn import losses, ops

v1 = tf.compat.v1
ARCHS = ('udacity', 'blog')
BLOG_SECOND_LAYER_UNITS = 256


def hidden_layers(x, n_units, alpha, arch):
    h1 = ops.leaky_relu(ops.dense(x, n_units), alpha)
    if arch == 'blog':
        h1 = ops.leaky_relu(ops.dense(h1, BLOG_SECOND_LAYER_UNITS), alpha)
    return h1


def generator(z, out_dim, n_units=128, reuse=False, alpha=0.01, arch='udacity'):
    with v1.variable_scope('generator', reuse=reuse):
        h1 = hidden_layers(z, n_units, alpha, arch)
        logits = ops.dense(h1, out_dim)
        out = tf.tanh(logits)
        return out


def discriminator(x, n_units=128, reuse=False, alpha=0.01, arch='udacity'):
    with v1.variable_scope('discriminator', reuse=reuse):
        h1 = hidden_layers(x, n_units, alpha, arch)
        logits = ops.dense(h1, 1)
        out = tf.sigmoid(logits)
        return out, logits


def d_loss(nets, batch, smooth=0.1):
    g_model = nets.generator(batch.z)
    (d_model_real, d_logits_real), (d_model_fake, d_logits_fake) = nets.discriminator.on_real_and_fake(
        batch.real, g_model)
    return losses.minimax_discriminator_loss(d_logits_real, d_logits_fake, smooth)


def g_loss(nets, batch):
    d_model_fake, d_logits_fake = nets.discriminator(nets.generator(batch.z))
    return losses.minimax_generator_loss(d_logits_fake)


def describe(arch='udacity', input_size=784, z_size=100, g_hidden_size=128, d_hidden_size=128, alpha=0.01,
             smooth=0.1, learning_rate=0.002):
    if arch not in ARCHS:
        raise ValueError(f'arch must be one of {ARCHS}, got {arch!r}')
    hparams = dict(arch=arch, input_size=input_size, z_size=z_size, g_hidden_size=g_hidden_size,
                   d_hidden_size=d_hidden_size, alpha=alpha, smooth=smooth, learning_rate=learning_rate)
    return d.Description(
        name=f'mlp_gan_{arch}', module='mlp_gan', hparams=hparams,
        shaping=('arch', 'input_size', 'z_size', 'g_hidden_size', 'd_hidden_size'),
        data=data_spec(input_size),
        inputs={'real': d.Data(), 'z': d.Noise('uniform', z_size)},
        networks={
            'generator': d.Network('generator', generator, dict(out_dim=input_size, n_units=g_hidden_size,
                                                                alpha=alpha, arch=arch)),
            # No batch statistics: real and fake may share one batch in the fast loop.
            'discriminator': d.Network('discriminator', discriminator, dict(n_units=d_hidden_size, alpha=alpha,
                                                                            arch=arch), per_example=True)},
        losses={'Discriminator': d.Loss(functools.partial(d_loss, smooth=smooth)), 'Generator': d.Loss(g_loss)},
        optimizers={'d': functools.partial(v1.train.AdamOptimizer, learning_rate),
                    'g': functools.partial(v1.train.AdamOptimizer, learning_rate)},
        steps=[d.Step('discriminator', 'Discriminator', trains='discriminator', optimizer='d'),
               d.Step('generator', 'Generator', trains='generator', optimizer='g', feed=d.SAME_FEED)],
        exports={'generator': d.Sampler('generator')})


def data_spec(input_size=784):
    """Flat MNIST in [-1, 1]: the notebook's `batch_images * 2 - 1`."""
    spec = spec_lib.mnist_spec(flat=True)
    if input_size != spec.size:
        raise ValueError(f'input_size must be {spec.size} (MNIST digits, flattened), got {input_size}')
    return spec
