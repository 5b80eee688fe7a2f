"""DCGAN on MNIST: the DCGAN guidelines, as the tutorial lists them, on the notebook's graph-mode skeleton.

- No pooling: the generator upsamples with transposed convolutions, the discriminator downsamples
  with strided convolutions.
- Batch normalization in both networks (not on the generator's output layer nor on the
  discriminator's input layer); its moving statistics are updated through UPDATE_OPS by each
  network's own train op and used when sampling.
- No fully connected hidden layers: z is projected and reshaped to 7x7 feature maps (the paper's first
  layer, "just a matrix multiplication"), and the discriminator's last feature maps are flattened into
  one sigmoid output.
- ReLU in the generator with a tanh output; LeakyReLU in the discriminator.

Generator: z (100, uniform in [-1, 1]) -> 7x7x128 -> 14x14x64 -> 28x28x1.
Discriminator: 28x28x1 -> 14x14x64 -> 7x7x128 -> 1.
Training, as the tutorial's loop: the discriminator on a real and a fake batch (one Adam step on
d_loss_real + d_loss_fake), then the generator through the discriminator (which it does not change)
with its fakes labelled real, on fresh noise. Adam(2e-4, beta1=0.5), batch 64.
"""
import functools

import tensorflow as tf

from gan_graph import losses, model, ops

v1 = tf.compat.v1

IMAGE_SHAPE = (28, 28, 1)
IMAGE_SIZE = 28 * 28


def model_inputs(real_dim, z_dim):
    inputs_real = v1.placeholder(tf.float32, (None, real_dim), name='input_real')
    inputs_z = v1.placeholder(tf.float32, (None, z_dim), name='input_z')
    return inputs_real, inputs_z


def generator(z, reuse=False, training=True, filters=(128, 64), kernel_size=5):
    """z -> (N, 28, 28, 1) in [-1, 1]. training=False normalizes with the moving statistics."""
    with v1.variable_scope('generator', reuse=reuse):
        # Project and reshape: z -> 7x7 x filters[0]
        x = ops.dense(z, 7 * 7 * filters[0])
        x = tf.reshape(x, (-1, 7, 7, filters[0]))
        x = tf.nn.relu(ops.batch_norm(x, training=training))
        # 7x7 -> 14x14
        x = ops.conv2d_transpose(x, filters[1], kernel_size, strides=2, padding='same')
        x = tf.nn.relu(ops.batch_norm(x, training=training))
        # 14x14 -> 28x28, one channel; no batch norm on the output layer
        logits = ops.conv2d_transpose(x, 1, kernel_size, strides=2, padding='same')
        out = tf.tanh(logits)
        return out


def discriminator(x, reuse=False, alpha=0.2, training=True, filters=(64, 128), kernel_size=5):
    """Images (N, 784) or (N, 28, 28, 1) -> (probability real, logits), each (N, 1)."""
    with v1.variable_scope('discriminator', reuse=reuse):
        x = tf.reshape(x, (-1,) + IMAGE_SHAPE)
        # 28x28 -> 14x14; no batch norm on the input layer
        x = ops.keras_leaky_relu(ops.conv2d(x, filters[0], kernel_size, strides=2, padding='same'), alpha)
        # 14x14 -> 7x7
        x = ops.conv2d(x, filters[1], kernel_size, strides=2, padding='same')
        x = ops.keras_leaky_relu(ops.batch_norm(x, training=training), alpha)
        # Flatten into a single sigmoid output
        logits = ops.dense(ops.flatten(x), 1)
        out = tf.sigmoid(logits)
        return out, logits


def build(z_size=100, g_filters=(128, 64), d_filters=(64, 128), kernel_size=5, alpha=0.2,
          learning_rate=2e-4, beta1=0.5):
    """Build the DCGAN graph in the default graph and describe it for the training loop."""
    g_filters, d_filters = tuple(g_filters), tuple(d_filters)
    input_real, input_z = model_inputs(IMAGE_SIZE, z_size)
    g_model = generator(input_z, filters=g_filters, kernel_size=kernel_size)
    d_model_real, d_logits_real = discriminator(input_real, alpha=alpha, filters=d_filters,
                                                kernel_size=kernel_size)
    d_model_fake, d_logits_fake = discriminator(g_model, reuse=True, alpha=alpha, filters=d_filters,
                                                kernel_size=kernel_size)

    # Real labelled 1, fake 0 (no smoothing); the generator wants its fakes labelled real.
    d_loss = losses.minimax_discriminator_loss(d_logits_real, d_logits_fake, smooth=0.0)
    g_loss = losses.minimax_generator_loss(d_logits_fake)

    g_vars = model.scope_variables('generator')
    d_vars = model.scope_variables('discriminator')
    g_state = model.scope_state('generator')  # + batch-norm moving statistics; before the optimizers' slots
    d_optimizer = v1.train.AdamOptimizer(learning_rate, beta1=beta1)
    g_optimizer = v1.train.AdamOptimizer(learning_rate, beta1=beta1)
    # Each network's train op also updates its own batch-norm moving statistics.
    with tf.control_dependencies(ops.update_ops('discriminator')):
        d_train_opt = d_optimizer.minimize(d_loss, var_list=d_vars)
    with tf.control_dependencies(ops.update_ops('generator')):
        g_train_opt = g_optimizer.minimize(g_loss, var_list=g_vars)

    spec = generator_spec(z_size, g_filters, kernel_size)
    return model.GANModel(
        name='dcgan', real_input=input_real, z_input=input_z, d_loss=d_loss, g_loss=g_loss,
        phases=[model.TrainPhase('discriminator', d_train_opt),
                model.TrainPhase('generator', g_train_opt, feed=model.NEW_NOISE)],
        g_vars=g_vars, d_vars=d_vars, g_save_vars=g_state,
        sampler=sampler(input_z, None, reuse=True, **spec['kwargs']),
        noise=functools.partial(model.uniform_noise, z_size=z_size),
        preprocess=lambda images: images * 2 - 1,
        signature=dict(z_size=z_size, g_filters=list(g_filters), d_filters=list(d_filters),
                       kernel_size=kernel_size),
        generator_spec=spec,
        networks=model.Networks(
            generator=functools.partial(generator, reuse=True, filters=g_filters, kernel_size=kernel_size),
            discriminator=lambda x: discriminator(x, reuse=True, alpha=alpha, filters=d_filters,
                                                  kernel_size=kernel_size)[1],
            d_loss=functools.partial(losses.minimax_discriminator_loss, smooth=0.0),
            g_loss=losses.minimax_generator_loss,
            d_optimizer=d_optimizer, g_optimizer=g_optimizer,
            noise=functools.partial(model.uniform_noise_tensor, z_size=z_size)))


def generator_spec(z_size, filters, kernel_size):
    return {'model': 'dcgan', 'z_size': z_size, 'noise': 'uniform', 'conditional': False,
            'kwargs': {'filters': list(filters), 'kernel_size': kernel_size}}


def sampler(z, labels, reuse=False, filters=(128, 64), kernel_size=5):
    """The generator with its moving statistics, flattened to (N, 784) (labels unused: unconditional)."""
    del labels
    images = generator(z, reuse=reuse, training=False, filters=tuple(filters), kernel_size=kernel_size)
    return tf.reshape(images, (-1, IMAGE_SIZE))
