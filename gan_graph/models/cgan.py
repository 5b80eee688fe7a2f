"""Conditional GAN on MNIST, as the tutorial's Keras-GAN code (`cgan.py`) builds and trains it.

Generator: the label goes through an embedding (10 -> latent_dim) multiplied element-wise into the
Normal(0, 1) noise; then an MLP 256-512-1024, each Dense + LeakyReLU(0.2) + BatchNormalization
(momentum 0.8), and a tanh output of 784.
Discriminator: the label goes through an embedding (10 -> 784) multiplied into the flattened image;
then an MLP 512-512-512 with LeakyReLU(0.2), dropout 0.4 after the last two, and a sigmoid output.

Training, per iteration as the Keras loop: noise ~ N(0, 1); `generator.predict([noise, labels])`
(inference mode: moving statistics); `discriminator.train_on_batch` on the real images with their
labels (valid), then on the fakes with the same labels (fake): two Adam steps of one optimizer;
then `combined.train_on_batch([noise, sampled_labels], valid)` with random labels, the discriminator
frozen. Adam(2e-4, 0.5) and Keras' epsilon 1e-7, batch 32, binary cross-entropy.
"""
import functools

import tensorflow as tf

from gan_graph.data import spec as spec_lib
from gan_graph.models import description as d
from gan_graph.nn import losses, ops

v1 = tf.compat.v1

NUM_CLASSES = 10
KERAS_EPSILON = 1e-7


def generator(z, labels, reuse=False, training=True, out_dim=784, alpha=0.2, momentum=0.8):
    """(noise, labels) -> (N, out_dim) in [-1, 1]; training=False uses the moving statistics."""
    latent_dim = z.shape[-1]
    with v1.variable_scope('generator', reuse=reuse):
        label_embedding = ops.embedding(labels, NUM_CLASSES, latent_dim)
        x = z * label_embedding
        for units in (256, 512, 1024):
            x = ops.leaky_relu(ops.dense(x, units), alpha)
            x = ops.batch_norm(x, training=training, momentum=momentum)
        out = tf.tanh(ops.dense(x, out_dim))
        return out


def discriminator(images, labels, reuse=False, training=True, alpha=0.2, dropout=0.4):
    """(flattened images, labels) -> (validity, logits), each (N, 1)."""
    with v1.variable_scope('discriminator', reuse=reuse):
        label_embedding = ops.embedding(labels, NUM_CLASSES, images.shape[-1])
        x = images * label_embedding
        x = ops.leaky_relu(ops.dense(x, 512), alpha)
        x = ops.leaky_relu(ops.dense(x, 512), alpha)
        x = ops.dropout(x, dropout, training=training)
        x = ops.leaky_relu(ops.dense(x, 512), alpha)
        x = ops.dropout(x, dropout, training=training)
        logits = ops.dense(x, 1)
        validity = tf.sigmoid(logits)
        return validity, logits


def gen_imgs(nets, batch):
    """`generator.predict([noise, labels])`: inference mode, moving statistics, no updates."""
    return nets.generator(batch.z, batch.labels, training=False)


def d_loss_real(nets, batch):
    """`discriminator.train_on_batch([imgs, labels], valid)`."""
    _, d_logits_real = nets.discriminator(batch.real, batch.labels)
    return losses.sigmoid_cross_entropy(d_logits_real, tf.ones_like(d_logits_real))


def d_loss_fake(nets, batch):
    """`discriminator.train_on_batch([gen_imgs, labels], fake)`."""
    _, d_logits_fake = nets.discriminator(gen_imgs(nets, batch), batch.labels)
    return losses.sigmoid_cross_entropy(d_logits_fake, tf.zeros_like(d_logits_fake))


def d_loss(nets, batch):
    """`0.5 * np.add(d_loss_real, d_loss_fake)`, as the loop prints it."""
    return 0.5 * (d_loss_real(nets, batch) + d_loss_fake(nets, batch))


def g_loss(nets, batch):
    """`combined.train_on_batch([noise, sampled_labels], valid)`: the generator in training mode (batch
    statistics, updates its moving statistics) through the frozen discriminator, random labels."""
    g_model = nets.generator(batch.z, batch.sampled_labels)
    _, d_logits_combined = nets.discriminator(g_model, batch.sampled_labels)
    return losses.sigmoid_cross_entropy(d_logits_combined, tf.ones_like(d_logits_combined))


def describe(latent_dim=100, alpha=0.2, momentum=0.8, dropout=0.4, learning_rate=2e-4, beta1=0.5):
    hparams = dict(latent_dim=latent_dim, alpha=alpha, momentum=momentum, dropout=dropout,
                   learning_rate=learning_rate, beta1=beta1)
    adam = functools.partial(v1.train.AdamOptimizer, learning_rate, beta1=beta1, epsilon=KERAS_EPSILON)
    data = spec_lib.mnist_spec(flat=True)
    return d.Description(
        name='cgan', module='cgan', hparams=hparams, shaping=('latent_dim',), data=data,
        inputs={'real': d.Data(), 'z': d.Noise('normal', latent_dim), 'labels': d.Data('labels'),
                # np.random.randint(0, 10, batch_size): the labels the combined model is trained with
                'sampled_labels': d.RandomLabels(NUM_CLASSES)},
        networks={'generator': d.Network('generator', generator, dict(out_dim=data.size, alpha=alpha,
                                                                      momentum=momentum)),
                  'discriminator': d.Network('discriminator', discriminator, dict(alpha=alpha, dropout=dropout))},
        # d_loss_fake first: the generator's variables are created before the discriminator's.
        losses={'d_loss_fake': d.Loss(d_loss_fake, logged=False), 'd_loss_real': d.Loss(d_loss_real, logged=False),
                'Discriminator': d.Loss(d_loss), 'Generator': d.Loss(g_loss)},
        # One optimizer for the discriminator's two train_on_batch calls: shared moments, two steps.
        optimizers={'d': adam, 'g': adam},
        steps=[d.Step('discriminator_real', 'd_loss_real', trains='discriminator', optimizer='d'),
               d.Step('discriminator_fake', 'd_loss_fake', trains='discriminator', optimizer='d', feed=d.SAME_FEED),
               # the same noise, random labels
               d.Step('generator', 'Generator', trains='generator', optimizer='g', feed=d.SAME_FEED)],
        exports={'generator': d.Sampler('generator', inputs=('z', 'labels'), call_kwargs={'training': False})})
