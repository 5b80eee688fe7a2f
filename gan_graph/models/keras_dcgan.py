"""The Keras DCGAN of the step-by-step GAN tutorial ("GAN for dummies"): jacobgil/keras-dcgan `dcgan.py`
(Keras 2), its `Sequential` models and `train_on_batch` loop written in graph mode.

Not the DCGAN guidelines: tanh after every hidden layer, fully connected layers in both networks,
nearest-neighbour up-sampling followed by 'same' convolutions in the generator, max-pooling in the
discriminator; batch normalization only after the generator's second dense layer.

Generator: z (100, uniform in [-1, 1]) -> dense 1024, tanh -> dense 128*7*7, batch norm, tanh ->
7x7x128 -> up-sample 14x14 -> conv 5x5 64, tanh -> up-sample 28x28 -> conv 5x5 1, tanh.
Discriminator: 28x28x1 -> conv 5x5 64 'same', tanh -> max-pool 14x14 -> conv 5x5 128 'valid' (10x10),
tanh -> max-pool 5x5 -> flatten -> dense 1024, tanh -> dense 1, sigmoid.
Training, per batch of the 60,000 training images in fixed order (batch 128: 468 batches an epoch):
`d.train_on_batch(concat(real, g.predict(noise)), [1]*B + [0]*B)`, then on fresh noise
`d_on_g.train_on_batch(noise, [1]*B)`, the discriminator frozen in `d_on_g`. `g.predict` runs batch norm
in inference mode (its moving statistics); `train_on_batch` in training mode (the batch's). Both
optimizers SGD(lr=0.0005, momentum=0.9, nesterov=True); the loss is Keras' binary cross-entropy on the
sigmoid output (losses.keras_binary_crossentropy).
"""
import functools

import tensorflow as tf

from gan_graph.data import spec as spec_lib
from gan_graph.models import description as d
from gan_graph.nn import losses, ops

v1 = tf.compat.v1

IMAGE_SHAPE = (28, 28, 1)


def generator(z, reuse=False, training=True, dense_units=1024, filters=(128, 64), kernel_size=5):
    """z -> (N, 28, 28, 1) in [-1, 1]. training=False: batch norm with its moving statistics (`g.predict`)."""
    with v1.variable_scope('generator', reuse=reuse):
        x = tf.tanh(ops.dense(z, dense_units))
        x = ops.dense(x, 7 * 7 * filters[0])
        x = tf.tanh(ops.batch_norm(x, training=training))
        x = tf.reshape(x, (-1, 7, 7, filters[0]))
        # 7x7 -> 14x14
        x = ops.up_sampling2d(x, 2)
        x = tf.tanh(ops.conv2d(x, filters[1], kernel_size, padding='same'))
        # 14x14 -> 28x28, one channel
        x = ops.up_sampling2d(x, 2)
        return tf.tanh(ops.conv2d(x, 1, kernel_size, padding='same'))


def discriminator(x, reuse=False, dense_units=1024, filters=(64, 128), kernel_size=5):
    """Images (N, 28, 28, 1) -> (probability real, logits), each (N, 1)."""
    with v1.variable_scope('discriminator', reuse=reuse):
        x = tf.reshape(x, (-1,) + IMAGE_SHAPE)
        # 28x28 -> 14x14
        x = ops.max_pool2d(tf.tanh(ops.conv2d(x, filters[0], kernel_size, padding='same')), 2)
        # 14x14 -> 10x10 ('valid') -> 5x5
        x = ops.max_pool2d(tf.tanh(ops.conv2d(x, filters[1], kernel_size, padding='valid')), 2)
        x = tf.tanh(ops.dense(ops.flatten(x), dense_units))
        logits = ops.dense(x, 1)
        return tf.sigmoid(logits), logits


def binary_crossentropy(outputs, labels, from_logits):
    """Keras' loss on D's sigmoid output (faithful), or the sigmoid cross-entropy on its logits."""
    probabilities, logits = outputs
    if from_logits:
        return losses.sigmoid_cross_entropy(logits, labels)
    return losses.keras_binary_crossentropy(probabilities, labels)


def discriminator_batch(nets, batch):
    """(X, y): concat(real, g.predict(noise)) and [1]*B + [0]*B, as (2B, 1) labels."""
    generated_images = tf.stop_gradient(nets.generator(batch.z, training=False))
    images = tf.concat([batch.real, generated_images], axis=0)
    labels = tf.concat([tf.ones([tf.shape(batch.real)[0], 1]), tf.zeros([tf.shape(generated_images)[0], 1])], 0)
    return images, labels


def d_loss(nets, batch, from_logits=False):
    """`d.train_on_batch(X, y)`: one loss over the real and generated images together."""
    images, labels = discriminator_batch(nets, batch)
    return binary_crossentropy(nets.discriminator(images), labels, from_logits)


def g_loss(nets, batch, from_logits=False):
    """`d_on_g.train_on_batch(noise, [1]*B)`: the generator (batch norm in training mode) through D."""
    outputs = nets.discriminator(nets.generator(batch.z))
    return binary_crossentropy(outputs, tf.ones_like(outputs[0]), from_logits)


REFERENCE_LOSS_NAMES = {'discriminator': 'd_loss', 'generator': 'g_loss'}


def reference_log(epoch, num_batches, batch, step, loss, log=functools.partial(print, flush=True)):
    """The reference's lines (a loop's step_log): `Epoch is N` (from 0) and `Number of batches 468` as an
    epoch starts, then `batch %d d_loss : %f` and `batch %d g_loss : %f` after each step."""
    if batch == 0 and step == 'discriminator':
        log(f'Epoch is {epoch - 1}')
        log(f'Number of batches {num_batches}')
    log('batch %d %s : %f' % (batch, REFERENCE_LOSS_NAMES[step], loss))


def sgd(learning_rate, momentum):
    """Keras' `SGD(lr, momentum, nesterov=True)`: the same updates as TF's Nesterov momentum (tests)."""
    return v1.train.MomentumOptimizer(learning_rate, momentum, use_nesterov=True)


def describe(z_size=100, g_dense=1024, g_filters=(128, 64), d_filters=(64, 128), d_dense=1024, kernel_size=5,
             learning_rate=0.0005, momentum=0.9, from_logits=False):
    g_filters, d_filters = tuple(g_filters), tuple(d_filters)
    hparams = dict(z_size=z_size, g_dense=g_dense, g_filters=list(g_filters), d_filters=list(d_filters),
                   d_dense=d_dense, kernel_size=kernel_size, learning_rate=learning_rate, momentum=momentum,
                   from_logits=from_logits)
    optimizer = functools.partial(sgd, learning_rate, momentum)
    return d.Description(
        name='keras_dcgan', module='keras_dcgan', hparams=hparams,
        shaping=('z_size', 'g_dense', 'g_filters', 'd_filters', 'd_dense', 'kernel_size'),
        # `mnist.load_data()`'s 60,000 training images, (x - 127.5) / 127.5, no validation split held out.
        data=spec_lib.mnist_spec(flat=False, validation_size=0),
        inputs={'real': d.Data(), 'z': d.Noise('uniform', z_size)},
        networks={'generator': d.Network('generator', generator,
                                         dict(dense_units=g_dense, filters=g_filters, kernel_size=kernel_size)),
                  'discriminator': d.Network('discriminator', discriminator,
                                             dict(dense_units=d_dense, filters=d_filters, kernel_size=kernel_size),
                                             per_example=True)},
        losses={'Discriminator': d.Loss(functools.partial(d_loss, from_logits=from_logits)),
                'Generator': d.Loss(functools.partial(g_loss, from_logits=from_logits))},
        optimizers={'d': optimizer, 'g': optimizer},
        steps=[d.Step('discriminator', 'Discriminator', trains='discriminator', optimizer='d'),
               d.Step('generator', 'Generator', trains='generator', optimizer='g', feed=d.NEW_NOISE)],
        exports={'generator': d.Sampler('generator', call_kwargs={'training': False})},
        shuffle=False)
