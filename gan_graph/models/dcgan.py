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

from gan_graph.data import spec as spec_lib
from gan_graph.models import description as d
from gan_graph.nn import losses, ops

v1 = tf.compat.v1

IMAGE_SHAPE = (28, 28, 1)


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
        x = ops.leaky_relu(ops.conv2d(x, filters[0], kernel_size, strides=2, padding='same'), alpha)
        # 14x14 -> 7x7
        x = ops.conv2d(x, filters[1], kernel_size, strides=2, padding='same')
        x = ops.leaky_relu(ops.batch_norm(x, training=training), alpha)
        # Flatten into a single sigmoid output
        logits = ops.dense(ops.flatten(x), 1)
        out = tf.sigmoid(logits)
        return out, logits


def d_loss(nets, batch):
    """Real labelled 1, fake 0 (no smoothing)."""
    g_model = nets.generator(batch.z)
    (_, d_logits_real), (_, d_logits_fake) = nets.discriminator.on_real_and_fake(batch.real, g_model)
    return losses.minimax_discriminator_loss(d_logits_real, d_logits_fake, smooth=0.0)


def g_loss(nets, batch):
    """The generator wants its fakes labelled real."""
    _, d_logits_fake = nets.discriminator(nets.generator(batch.z))
    return losses.minimax_generator_loss(d_logits_fake)


def describe(z_size=100, g_filters=(128, 64), d_filters=(64, 128), kernel_size=5, alpha=0.2, learning_rate=2e-4,
             beta1=0.5):
    g_filters, d_filters = tuple(g_filters), tuple(d_filters)
    hparams = dict(z_size=z_size, g_filters=list(g_filters), d_filters=list(d_filters), kernel_size=kernel_size,
                   alpha=alpha, learning_rate=learning_rate, beta1=beta1)
    adam = functools.partial(v1.train.AdamOptimizer, learning_rate, beta1=beta1)
    return d.Description(
        name='dcgan', module='dcgan', hparams=hparams, shaping=('z_size', 'g_filters', 'd_filters', 'kernel_size'),
        # Fed flat as the notebook's input_real; the discriminator reshapes to 28x28x1.
        data=spec_lib.mnist_spec(flat=True),
        inputs={'real': d.Data(), 'z': d.Noise('uniform', z_size)},
        networks={'generator': d.Network('generator', generator, dict(filters=g_filters, kernel_size=kernel_size)),
                  'discriminator': d.Network('discriminator', discriminator,
                                             dict(alpha=alpha, filters=d_filters, kernel_size=kernel_size))},
        losses={'Discriminator': d.Loss(d_loss), 'Generator': d.Loss(g_loss)},
        optimizers={'d': adam, 'g': adam},
        # Each network's step also runs the batch-norm updates of that network's passes.
        steps=[d.Step('discriminator', 'Discriminator', trains='discriminator', optimizer='d'),
               d.Step('generator', 'Generator', trains='generator', optimizer='g', feed=d.NEW_NOISE)],
        exports={'generator': d.Sampler('generator', call_kwargs={'training': False})})
