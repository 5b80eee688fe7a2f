"""Wasserstein GAN (weight clipping) and WGAN-GP (gradient penalty) on MNIST, with the DCGAN's convolutions.

The generator is the DCGAN's (batch normalization, ReLU, tanh). The critic is the DCGAN's
discriminator without batch normalization and without the sigmoid: it scores, it does not classify.
Its loss is E[C(fake)] - E[C(real)], so -loss estimates the Wasserstein distance between the real
and generated distributions (plus the penalty term in WGAN-GP).

mode='wgan' (Arjovsky et al.): after each critic step every critic weight is clipped to
[-0.01, 0.01]; RMSProp(5e-5); 5 critic steps, each on a new batch, per generator step.
mode='wgan-gp' (Gulrajani et al.): no clipping; the critic loss adds lambda (10) times
E[(||grad C(x_hat)||_2 - 1)^2] on x_hat = real + alpha (fake - real), one alpha ~ U[0, 1] per example;
Adam(1e-4, beta1=0.5, beta2=0.9); 5 critic steps per generator step.
"""
import functools

import tensorflow as tf

from gan_graph.models import dcgan, description as d
from gan_graph.nn import losses, ops

v1 = tf.compat.v1

MODES = ('wgan', 'wgan-gp')
DEFAULT_LEARNING_RATE = {'wgan': 5e-5, 'wgan-gp': 1e-4}


def critic(x, reuse=False, alpha=0.2, filters=(64, 128), kernel_size=5):
    """Images (N, 784) or (N, 28, 28, 1) -> scores (N, 1): the DCGAN discriminator, no batch norm, no sigmoid."""
    with v1.variable_scope('critic', reuse=reuse):
        x = tf.reshape(x, (-1,) + dcgan.IMAGE_SHAPE)
        # 28x28 -> 14x14
        x = ops.leaky_relu(ops.conv2d(x, filters[0], kernel_size, strides=2, padding='same'), alpha)
        # 14x14 -> 7x7
        x = ops.leaky_relu(ops.conv2d(x, filters[1], kernel_size, strides=2, padding='same'), alpha)
        # Flatten into one linear score
        return ops.dense(ops.flatten(x), 1)


def optimizer(mode, learning_rate):
    if mode == 'wgan':
        return v1.train.RMSPropOptimizer(learning_rate)
    return v1.train.AdamOptimizer(learning_rate, beta1=0.5, beta2=0.9)


def c_loss(nets, batch, gp_lambda=None):
    """E[C(fake)] - E[C(real)], plus gp_lambda times the gradient penalty in WGAN-GP."""
    real = tf.reshape(batch.real, (-1,) + dcgan.IMAGE_SHAPE)
    fake = nets.generator(batch.z)
    critic_real, critic_fake = nets.critic.on_real_and_fake(real, fake)
    loss = losses.wasserstein_critic_loss(critic_real, critic_fake)
    if gp_lambda is None:
        return loss
    alpha_per_example = losses.per_example_alpha(real)
    penalty = tf.identity(losses.gradient_penalty(nets.critic, real, fake, alpha_per_example), name='gradient_penalty')
    return loss + gp_lambda * penalty


def g_loss(nets, batch):
    return losses.wasserstein_generator_loss(nets.critic(nets.generator(batch.z)))


def describe(mode='wgan', z_size=100, g_filters=(128, 64), c_filters=(64, 128), kernel_size=5, alpha=0.2,
             n_critic=5, clip_value=0.01, gp_lambda=10.0, learning_rate=None):
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    learning_rate = DEFAULT_LEARNING_RATE[mode] if learning_rate is None else learning_rate
    g_filters, c_filters = tuple(g_filters), tuple(c_filters)
    hparams = dict(mode=mode, z_size=z_size, g_filters=list(g_filters), c_filters=list(c_filters),
                   kernel_size=kernel_size, alpha=alpha, n_critic=n_critic, clip_value=clip_value,
                   gp_lambda=gp_lambda, learning_rate=learning_rate)
    dcgan_model = dcgan.describe(z_size=z_size, g_filters=g_filters, kernel_size=kernel_size)
    # One sess.run per critic step: the RMSProp step, then the clipped values assigned.
    clip = functools.partial(losses.clip_weights, clip_value=clip_value) if mode == 'wgan' else None
    return d.Description(
        name=mode.replace('-', '_'), module='wgan', hparams=hparams,
        shaping=('mode', 'z_size', 'g_filters', 'c_filters', 'kernel_size'),
        data=dcgan_model.data, inputs=dcgan_model.inputs,
        networks={'generator': dcgan_model.networks['generator'],
                  'critic': d.Network('critic', critic, dict(alpha=alpha, filters=c_filters, kernel_size=kernel_size),
                                      per_example=True)},
        losses={'Critic': d.Loss(functools.partial(c_loss, gp_lambda=gp_lambda if mode == 'wgan-gp' else None)),
                'Generator': d.Loss(g_loss)},
        optimizers={'c': functools.partial(optimizer, mode, learning_rate),
                    'g': functools.partial(optimizer, mode, learning_rate)},
        steps=[d.Step('critic', 'Critic', trains='critic', optimizer='c', repeats=n_critic, after_update=clip),
               d.Step('generator', 'Generator', trains='generator', optimizer='g', feed=d.NEW_NOISE)],
        exports=dcgan_model.exports)
