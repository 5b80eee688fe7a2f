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

from gan_graph import dcgan, model, ops, wgan_losses

v1 = tf.compat.v1

MODES = ('wgan', 'wgan-gp')
DEFAULT_LEARNING_RATE = {'wgan': 5e-5, 'wgan-gp': 1e-4}


def critic(x, reuse=False, alpha=0.2, filters=(64, 128), kernel_size=5):
    """Images (N, 784) or (N, 28, 28, 1) -> scores (N, 1): the DCGAN discriminator, no batch norm, no sigmoid."""
    with v1.variable_scope('critic', reuse=reuse):
        x = tf.reshape(x, (-1,) + dcgan.IMAGE_SHAPE)
        # 28x28 -> 14x14
        x = ops.keras_leaky_relu(ops.conv2d(x, filters[0], kernel_size, strides=2, padding='same'), alpha)
        # 14x14 -> 7x7
        x = ops.keras_leaky_relu(ops.conv2d(x, filters[1], kernel_size, strides=2, padding='same'), alpha)
        # Flatten into one linear score
        return ops.dense(ops.flatten(x), 1)


def optimizer(mode, learning_rate):
    if mode == 'wgan':
        return v1.train.RMSPropOptimizer(learning_rate)
    return v1.train.AdamOptimizer(learning_rate, beta1=0.5, beta2=0.9)


def build(mode='wgan', z_size=100, g_filters=(128, 64), c_filters=(64, 128), kernel_size=5, alpha=0.2,
          n_critic=5, clip_value=0.01, gp_lambda=10.0, learning_rate=None):
    """Build the WGAN or WGAN-GP graph in the default graph and describe it for the training loop."""
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    learning_rate = DEFAULT_LEARNING_RATE[mode] if learning_rate is None else learning_rate
    g_filters, c_filters = tuple(g_filters), tuple(c_filters)
    input_real, input_z = dcgan.model_inputs(dcgan.IMAGE_SIZE, z_size)
    real = tf.reshape(input_real, (-1,) + dcgan.IMAGE_SHAPE)
    fake = dcgan.generator(input_z, filters=g_filters, kernel_size=kernel_size)
    critic_fn = functools.partial(critic, alpha=alpha, filters=c_filters, kernel_size=kernel_size)
    critic_real = critic_fn(real)
    critic_fake = critic_fn(fake, reuse=True)

    c_loss = wgan_losses.critic_loss(critic_real, critic_fake)
    g_loss = wgan_losses.generator_loss(critic_fake)
    if mode == 'wgan-gp':
        alpha_per_example = wgan_losses.per_example_alpha(real)
        penalty = tf.identity(wgan_losses.gradient_penalty(functools.partial(critic_fn, reuse=True), real, fake,
                                                           alpha_per_example), name='gradient_penalty')
        c_loss += gp_lambda * penalty

    g_vars = model.scope_variables('generator')
    c_vars = model.scope_variables('critic')
    g_state = model.scope_state('generator')  # + batch-norm moving statistics; before the optimizers' slots
    c_train_opt = optimizer(mode, learning_rate).minimize(c_loss, var_list=c_vars)
    if mode == 'wgan':
        # One sess.run: the RMSProp step, then the clipped values assigned.
        with tf.control_dependencies([c_train_opt]):
            c_train_opt = wgan_losses.clip_weights(c_vars, clip_value)
    with tf.control_dependencies(ops.update_ops('generator')):
        g_train_opt = optimizer(mode, learning_rate).minimize(g_loss, var_list=g_vars)

    spec = generator_spec(z_size, g_filters, kernel_size, mode)
    return model.GANModel(
        name=mode.replace('-', '_'), real_input=input_real, z_input=input_z, d_loss=c_loss, g_loss=g_loss,
        phases=[model.TrainPhase('critic', c_train_opt, repeats=n_critic),
                model.TrainPhase('generator', g_train_opt, feed=model.NEW_NOISE)],
        g_vars=g_vars, d_vars=c_vars, g_save_vars=g_state,
        sampler=sampler(input_z, None, reuse=True, **spec['kwargs']),
        noise=functools.partial(model.uniform_noise, z_size=z_size),
        preprocess=lambda images: images * 2 - 1,
        loss_names=('Critic', 'Generator'),
        signature=dict(mode=mode, z_size=z_size, g_filters=list(g_filters), c_filters=list(c_filters),
                       kernel_size=kernel_size),
        generator_spec=spec)


def generator_spec(z_size, filters, kernel_size, mode='wgan'):
    """The DCGAN generator's spec, from a WGAN run; `arch` (the mode) names the variant, as mlp_gan's does."""
    spec = dcgan.generator_spec(z_size, filters, kernel_size)
    return {**spec, 'model': 'wgan', 'kwargs': {'arch': mode, **spec['kwargs']}}


def sampler(z, labels, reuse=False, arch='wgan', filters=(128, 64), kernel_size=5):
    """The DCGAN generator with its moving statistics, flattened to (N, 784) (`arch`: how it was trained)."""
    del arch
    return dcgan.sampler(z, labels, reuse=reuse, filters=filters, kernel_size=kernel_size)
