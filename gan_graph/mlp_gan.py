"""The Udacity MNIST GAN (`gan_mnist` notebook) and the blog's two-hidden-layer variant.

Reads as the notebook does: inputs, generator, discriminator, losses, optimizers. `arch='udacity'` is
the notebook (one hidden layer); `arch='blog'` adds dense(256) + leaky ReLU to both networks.
"""
import functools

import tensorflow as tf

from gan_graph import losses, model, ops

v1 = tf.compat.v1
ARCHS = ('udacity', 'blog')
BLOG_SECOND_LAYER_UNITS = 256


def model_inputs(real_dim, z_dim):
    inputs_real = v1.placeholder(tf.float32, (None, real_dim), name='input_real')
    inputs_z = v1.placeholder(tf.float32, (None, z_dim), name='input_z')
    return inputs_real, inputs_z


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


def build(arch='udacity', input_size=784, z_size=100, g_hidden_size=128, d_hidden_size=128,
          alpha=0.01, smooth=0.1, learning_rate=0.002):
    """Build the notebook's graph in the default graph and describe it for the training loop."""
    if arch not in ARCHS:
        raise ValueError(f'arch must be one of {ARCHS}, got {arch!r}')
    input_real, input_z = model_inputs(input_size, z_size)
    g_model = generator(input_z, input_size, n_units=g_hidden_size, alpha=alpha, arch=arch)
    d_model_real, d_logits_real = discriminator(input_real, n_units=d_hidden_size, alpha=alpha, arch=arch)
    d_model_fake, d_logits_fake = discriminator(g_model, reuse=True, n_units=d_hidden_size, alpha=alpha,
                                                arch=arch)

    d_loss = losses.minimax_discriminator_loss(d_logits_real, d_logits_fake, smooth)
    g_loss = losses.minimax_generator_loss(d_logits_fake)

    g_vars = model.scope_variables('generator')
    d_vars = model.scope_variables('discriminator')
    d_optimizer, g_optimizer = v1.train.AdamOptimizer(learning_rate), v1.train.AdamOptimizer(learning_rate)
    d_train_opt = d_optimizer.minimize(d_loss, var_list=d_vars)
    g_train_opt = g_optimizer.minimize(g_loss, var_list=g_vars)

    # The notebook rebuilt this every epoch (a growing graph); build it once.
    sampler = generator(input_z, input_size, n_units=g_hidden_size, reuse=True, alpha=alpha, arch=arch)
    return model.GANModel(
        name=f'mlp_gan_{arch}', real_input=input_real, z_input=input_z, d_loss=d_loss, g_loss=g_loss,
        phases=[model.TrainPhase('discriminator', d_train_opt),
                model.TrainPhase('generator', g_train_opt, feed=model.SAME_FEED)],
        g_vars=g_vars, d_vars=d_vars, sampler=sampler,
        noise=functools.partial(model.uniform_noise, z_size=z_size),
        preprocess=lambda images: images * 2 - 1,
        signature=dict(arch=arch, input_size=input_size, z_size=z_size, g_hidden_size=g_hidden_size,
                       d_hidden_size=d_hidden_size),
        generator_spec=generator_spec(arch, z_size, input_size, g_hidden_size, alpha),
        networks=model.Networks(
            generator=functools.partial(generator, out_dim=input_size, n_units=g_hidden_size, reuse=True,
                                        alpha=alpha, arch=arch),
            discriminator=lambda x: discriminator(x, n_units=d_hidden_size, reuse=True, alpha=alpha, arch=arch)[1],
            d_loss=functools.partial(losses.minimax_discriminator_loss, smooth=smooth),
            g_loss=losses.minimax_generator_loss,
            d_optimizer=d_optimizer, g_optimizer=g_optimizer,
            noise=functools.partial(model.uniform_noise_tensor, z_size=z_size),
            per_example_discriminator=True))


def generator_spec(arch, z_size, out_dim, n_units, alpha):
    return {'model': 'mlp_gan', 'z_size': z_size, 'noise': 'uniform', 'conditional': False,
            'kwargs': {'out_dim': out_dim, 'n_units': n_units, 'alpha': alpha, 'arch': arch}}


def sampler(z, labels, **kwargs):
    """The generator alone, for restoring a checkpoint and sampling (labels unused: unconditional)."""
    del labels
    return generator(z, **kwargs)
