"""3D-GAN (Wu, Zhang, Xue, Freeman, Tenenbaum, NeurIPS 2016) on the project's procedural voxel solids.

Generator: z (200, uniform in [0, 1); `z_dist='normal'`: N(0, 0.33) as the TF1 port drew it) -> a
transposed 3-D convolution, kernel 4, from 1^3 to 4^3 x C0 -> transposed 3-D convolutions, kernel 4,
stride 2, each with batch norm and ReLU, doubling the grid -> res^3 x 1 with a sigmoid: occupancy in
[0, 1]. No biases in the convolutions.
Discriminator, the mirror: 3-D convolutions, kernel 4, stride 2, batch norm (not on the first layer),
leaky ReLU 0.2, halving the grid down to 4^3 -> a kernel-4 convolution to 1^3 x 1: one logit.

Channels by resolution (the paper's at 64^3; each smaller grid drops the widest layer):
  64: 200 -> 4^3x512 -> 8^3x256 -> 16^3x128 -> 32^3x64 -> 64^3     (a GPU)
  32: 200 -> 4^3x256 -> 8^3x128 -> 16^3x64  -> 32^3                (the CPU default)
  16: 200 -> 4^3x128 -> 8^3x64  -> 16^3                            (unit tests)

Training: cross-entropy GAN loss, Adam(beta1=0.5), lr 0.0025 for G and 1e-5 for D, batch 100. The
paper's rule: D is updated only when its accuracy on the previous batch was below 80%. Its accuracy
(real classified real, fakes fake, over both batches) is measured in the G step's pass, which already
applies D to G(z) (it adds D on the real batch), and kept in the non-trainable variable
`accuracy_gate/d_accuracy`; the next D step's in-graph gate reads it, in the same `sess.run` as the
update, and counts the skipped updates in `accuracy_gate/d_updates_skipped`.

Not in the paper, an option (`g_average_half_life_kimg` > 0): G's exponential moving average, as
StyleGAN's Gs (nn/averaging.py), updated after every G step and exported as the 'generator' (samples,
generator.ckpt, metrics). Its batch norms use G's current moving statistics.
"""
import functools

import tensorflow as tf

from gan_graph.data import procedural
from gan_graph.models import description as d
from gan_graph.nn import averaging, losses, ops

v1 = tf.compat.v1

# Channels of the generator's 4^3 layer and the ones after it, by output resolution; D mirrors them.
CHANNELS = {16: (128, 64), 32: (256, 128, 64), 64: (512, 256, 128, 64)}
RESOLUTIONS = tuple(CHANNELS)
Z_DISTS = ('uniform', 'normal')
GATE_SCOPE = 'accuracy_gate'
AVERAGE_SCOPE = 'generator_average'


def generator(z, reuse=False, training=True, filters=CHANNELS[32], momentum=0.99):
    """z (N, z_size) -> voxels (N, r, r, r, 1) in [0, 1], r = 4 * 2^len(filters)."""
    with v1.variable_scope('generator', reuse=reuse):
        # z as a 1^3 grid of z_size channels -> 4^3 x filters[0] ("valid" kernel 4, stride 1)
        x = tf.reshape(z, (-1, 1, 1, 1, z.shape[-1]))
        x = ops.conv3d_transpose(x, filters[0], 4, strides=1, padding='valid', use_bias=False)
        x = tf.nn.relu(ops.batch_norm(x, training=training, momentum=momentum))
        # Each layer doubles the grid
        for channels in filters[1:]:
            x = ops.conv3d_transpose(x, channels, 4, strides=2, padding='same', use_bias=False)
            x = tf.nn.relu(ops.batch_norm(x, training=training, momentum=momentum))
        # The last doubling to one occupancy channel: no batch norm, a sigmoid
        x = ops.conv3d_transpose(x, 1, 4, strides=2, padding='same', use_bias=False)
        return tf.sigmoid(x)


def trained_generator(z, **kwargs):
    """G, its variables created with twins under AVERAGE_SCOPE."""
    with averaging.with_twins(AVERAGE_SCOPE):
        return generator(z, **kwargs)


def averaged_generator(z, reuse=False, **kwargs):
    """G's moving average: G under AVERAGE_SCOPE (made beside G in training, alone when sampling)."""
    del reuse
    with averaging.averaged(AVERAGE_SCOPE):
        return generator(z, **kwargs)


def discriminator(x, reuse=False, alpha=0.2, training=True, filters=CHANNELS[32], momentum=0.99):
    """Voxels (N, r, r, r, 1) -> (probability real, logits), each (N, 1); filters as the generator's,
    which D runs backwards (64, 128, 256 at 32^3)."""
    with v1.variable_scope('discriminator', reuse=reuse):
        filters = filters[::-1]
        # The first halving: no batch norm
        x = ops.leaky_relu(ops.conv3d(x, filters[0], 4, strides=2, padding='same', use_bias=False), alpha)
        for channels in filters[1:]:
            x = ops.conv3d(x, channels, 4, strides=2, padding='same', use_bias=False)
            x = ops.leaky_relu(ops.batch_norm(x, training=training, momentum=momentum), alpha)
        # 4^3 -> 1^3 x 1: the logit
        logits = tf.reshape(ops.conv3d(x, 1, 4, strides=1, padding='valid', use_bias=False), (-1, 1))
        return tf.sigmoid(logits), logits


def gate_variables():
    """(D's last measured accuracy, how many D updates the gate skipped): non-trainable, checkpointed
    with the run, so a resumed run gates as the uninterrupted one would."""
    with v1.variable_scope(GATE_SCOPE, reuse=v1.AUTO_REUSE):
        accuracy = v1.get_variable('d_accuracy', [], initializer=v1.zeros_initializer(), trainable=False)
        skipped = v1.get_variable('d_updates_skipped', [], initializer=v1.zeros_initializer(), trainable=False)
    return accuracy, skipped


def d_accuracy(nets, batch):
    """D's accuracy on the batch, real and G(z) (the same tensors as the losses' passes)."""
    (_, logits_real), (_, logits_fake) = nets.discriminator.on_real_and_fake(batch.real, nets.generator(batch.z))
    return losses.discriminator_accuracy(logits_real, logits_fake)


def d_loss(nets, batch):
    g_model = nets.generator(batch.z)
    (_, d_logits_real), (_, d_logits_fake) = nets.discriminator.on_real_and_fake(batch.real, g_model)
    return losses.minimax_discriminator_loss(d_logits_real, d_logits_fake, smooth=0.0)


def g_loss(nets, batch):
    """Fakes labelled real; the pass also records D's accuracy on this batch for the next D step's gate."""
    (_, d_logits_real), (_, d_logits_fake) = nets.discriminator.on_real_and_fake(batch.real, nets.generator(batch.z))
    record = v1.assign(gate_variables()[0], losses.discriminator_accuracy(d_logits_real, d_logits_fake))
    with tf.control_dependencies([record]):
        return tf.identity(losses.minimax_generator_loss(d_logits_fake))


def d_gate(nets, batch, threshold):
    """True (update D) while D's accuracy on the previous batch is below `threshold`; counts the skips."""
    del nets, batch  # the gate reads what the previous step measured: no pass of its own
    accuracy, skipped = gate_variables()
    update = accuracy < threshold
    count = v1.assign_add(skipped, tf.cast(tf.logical_not(update), tf.float32))
    with tf.control_dependencies([count]):
        return tf.identity(update)


def skipped_updates(nets, batch):
    del nets, batch
    return tf.identity(gate_variables()[1])


def noise(z_dist, z_size):
    """The paper's z, uniform in [0, 1), or the TF1 port's N(0, 0.33). The paper's has mean 0.5: G's first
    layer then maps every z to one fixed 4^3 pattern plus a z-dependent part that holds only a quarter
    of its variance (batch norm, over the batch and the 4^3 positions, keeps the pattern). At the CPU
    widths G collapsed to one shape with it, and did not with N(0, 0.33) (README)."""
    if z_dist not in Z_DISTS:
        raise ValueError(f'--z_dist must be one of {Z_DISTS}, got {z_dist!r}')
    if z_dist == 'uniform':
        return d.Noise('uniform', z_size, low=0.0, high=1.0)
    return d.Noise('normal', z_size, stddev=0.33)


def describe(resolution=32, z_size=200, z_dist='uniform', filters=None, alpha=0.2, g_learning_rate=0.0025,
             d_learning_rate=1e-5, beta1=0.5, d_threshold=0.8, bn_momentum=0.99, g_average_half_life_kimg=0.0,
             batch_size=100):
    """g_average_half_life_kimg > 0: export G's moving average with this half-life in thousands of
    shapes (batch_size sets its beta); 0: G itself, as the paper."""
    if resolution not in CHANNELS:
        raise ValueError(f'--resolution must be one of {RESOLUTIONS}, got {resolution}')
    filters = tuple(CHANNELS[resolution] if not filters else filters)
    if len(filters) != len(CHANNELS[resolution]):
        raise ValueError(f'--filters: {resolution}^3 takes {len(CHANNELS[resolution])} layer widths '
                         f'(default {",".join(map(str, CHANNELS[resolution]))}), got {list(filters)}')
    hparams = dict(resolution=resolution, z_size=z_size, z_dist=z_dist, filters=list(filters), alpha=alpha,
                   g_learning_rate=g_learning_rate, d_learning_rate=d_learning_rate, beta1=beta1,
                   d_threshold=d_threshold, bn_momentum=bn_momentum, g_average_half_life_kimg=g_average_half_life_kimg,
                   batch_size=batch_size)
    g_kwargs = dict(filters=filters, momentum=bn_momentum)
    networks = {'generator': d.Network('generator', trained_generator if g_average_half_life_kimg else generator,
                                       g_kwargs),
                'discriminator': d.Network('discriminator', discriminator,
                                           dict(alpha=alpha, filters=filters, momentum=bn_momentum))}
    exported, g_after_update = 'generator', None
    if g_average_half_life_kimg:
        networks['generator_average'] = d.Network(AVERAGE_SCOPE, averaged_generator, g_kwargs)
        exported = 'generator_average'
        g_after_update = averaging.update_after_step(
            AVERAGE_SCOPE, averaging.half_life_beta(batch_size, g_average_half_life_kimg))
    return d.Description(
        name='voxel_gan', module='voxel_gan', hparams=hparams,
        shaping=('resolution', 'z_size', 'filters'),
        data=procedural.voxel_spec(resolution),
        inputs={'real': d.Data(), 'z': noise(z_dist, z_size)},
        networks=networks,
        losses={'Discriminator': d.Loss(d_loss), 'Generator': d.Loss(g_loss),
                'D accuracy': d.Loss(d_accuracy, metric=True),
                'D updates skipped': d.Loss(skipped_updates, metric=True)},
        optimizers={'d': functools.partial(v1.train.AdamOptimizer, d_learning_rate, beta1=beta1),
                    'g': functools.partial(v1.train.AdamOptimizer, g_learning_rate, beta1=beta1)},
        # The D step under the 80% gate; the G step on the same z (the port drew one z per iteration).
        steps=[d.Step('discriminator', 'Discriminator', trains='discriminator', optimizer='d',
                      gate=functools.partial(d_gate, threshold=d_threshold)),
               d.Step('generator', 'Generator', trains='generator', optimizer='g', feed=d.SAME_FEED,
                      after_update=g_after_update)],
        exports={'generator': d.Sampler(exported, call_kwargs={'training': False})})
