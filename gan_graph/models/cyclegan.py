"""CycleGAN (Zhu et al. 2017, the authors' code), between MNIST digits (A) and outline sketches (B), 32x32.

Two generators, G: A -> B (`generator_ab`) and F: B -> A (`generator_ba`), and two discriminators,
D_A (real digits against F(b)) and D_B (real outlines against G(a)). The domains are unpaired: a batch
holds digits and the outlines of OTHER digits (gan_graph.data.domains).

Generator (ResNet, 6 blocks): c7s1-ngf, d(2ngf), d(4ngf) (3x3, stride 2), six residual blocks of two 3x3
convolutions at 8x8, u(2ngf), u(ngf) (3x3 transposed convolutions, stride 2), c7s1-1 with tanh; instance
norm and ReLU after every convolution but the last; reflection padding before the 7x7 and the residual
convolutions, as the authors' code pads them.
Discriminator (70x70 PatchGAN, here on 32x32): C64-C128-C256 (4x4, stride 2), C512 (stride 1), then a
1-channel map of scores, one per patch; leaky ReLU 0.2; instance norm except on the first layer.
All kernels N(0, 0.02).

Losses: least-squares GAN (real -> 1, fake -> 0; each generator wants its fakes scored 1); each
discriminator's loss halved; cycle consistency lambda * (|F(G(a)) - a| + |G(F(b)) - b|), lambda = 10;
identity identity_weight * lambda * (|G(b) - b| + |F(a) - a|), identity_weight = 0.5.
Training, per iteration as the authors' `optimize_parameters`: one Adam step of G and F together on
the sum of their losses, then one Adam step of D_A and D_B together, each discriminator seeing its
domain's fakes through a history pool of 50 (an old fake instead of the new one with probability 0.5).
Adam(2e-4, beta1 0.5); the learning rate is constant for the first half of the epochs, then decays
linearly to 0, counted in the graph so a resumed run continues the schedule.

variant='tutorial': the TensorFlow CycleGAN tutorial's deviations: a U-Net generator (pix2pix's, with
instance norm), cross-entropy instead of least squares, no history pool, no learning-rate decay.
"""
import functools

import tensorflow as tf

from gan_graph.data import domains
from gan_graph.models import description as d
from gan_graph.nn import losses, ops, schedule

v1 = tf.compat.v1

VARIANTS = ('cyclegan', 'tutorial')
IMAGE_SHAPE = (32, 32, 1)
TRAIN_EXAMPLES = (60000 - domains.VALIDATION_SIZE) // 2   # each domain's half of the 55,000 train digits
EPOCH_EXAMPLES = 8   # test digits and outlines whose cycles each epoch keeps


def weights():
    """The authors' init_weights('normal', 0.02)."""
    return v1.random_normal_initializer(0.0, 0.02)


def conv(x, filters, kernel_size, strides=1, padding='same'):
    return ops.conv2d(x, filters, kernel_size, strides=strides, padding=padding, kernel_initializer=weights())


def deconv(x, filters, kernel_size, strides=2):
    return ops.conv2d_transpose(x, filters, kernel_size, strides=strides, padding='same',
                                kernel_initializer=weights())


def norm_relu(x):
    return tf.nn.relu(ops.instance_norm(x))


# ------------------------------------------------------------------------------------------- generators

def residual_block(x):
    """x + (pad, conv 3x3, IN, ReLU, pad, conv 3x3, IN): the authors' ResnetBlock."""
    filters = x.shape[-1]
    y = norm_relu(conv(ops.reflection_pad(x, 1), filters, 3, padding='valid'))
    y = ops.instance_norm(conv(ops.reflection_pad(y, 1), filters, 3, padding='valid'))
    return x + y


def resnet_generator(images, reuse=False, scope='generator_ab', ngf=32, residual_blocks=6, training=True):
    """Images (N, 32, 32, 1) in [-1, 1] -> the other domain's, same shape, in [-1, 1]."""
    del training  # instance norm has no moving statistics: training and sampling compute the same
    with v1.variable_scope(scope, reuse=reuse):
        # c7s1-ngf
        x = norm_relu(conv(ops.reflection_pad(images, 3), ngf, 7, padding='valid'))
        # d2ngf, d4ngf: 32x32 -> 16x16 -> 8x8
        x = norm_relu(conv(x, 2 * ngf, 3, strides=2))
        x = norm_relu(conv(x, 4 * ngf, 3, strides=2))
        for _ in range(residual_blocks):
            x = residual_block(x)
        # u2ngf, ungf: 8x8 -> 16x16 -> 32x32
        x = norm_relu(deconv(x, 2 * ngf, 3))
        x = norm_relu(deconv(x, ngf, 3))
        # c7s1-1, tanh
        return tf.tanh(conv(ops.reflection_pad(x, 3), IMAGE_SHAPE[-1], 7, padding='valid'))


def unet_generator(images, reuse=False, scope='generator_ab', ngf=32, training=True, dropout=0.5):
    """The tutorial's pix2pix U-Net (instance norm) scaled to 32x32: 4x4 stride-2 convolutions down to
    1x1 (ngf, 2, 4, 8, 8 ngf; no norm on the first), transposed ones back up, each concatenated with the
    encoder's map of its size (dropout on the first), and a last transposed convolution to tanh."""
    leaky = functools.partial(ops.leaky_relu, alpha=0.3)  # Keras' LeakyReLU() default, as the tutorial
    with v1.variable_scope(scope, reuse=reuse):
        skips, x = [], images
        for i, filters in enumerate((ngf, 2 * ngf, 4 * ngf, 8 * ngf, 8 * ngf)):
            x = conv(x, filters, 4, strides=2)
            x = leaky(x if i == 0 else ops.instance_norm(x))
            skips.append(x)
        for i, (filters, skip) in enumerate(zip((8 * ngf, 4 * ngf, 2 * ngf, ngf), reversed(skips[:-1]))):
            x = ops.instance_norm(deconv(x, filters, 4))
            x = tf.nn.relu(ops.dropout(x, dropout, training=training) if i == 0 else x)
            x = tf.concat([x, skip], axis=-1)
        return tf.tanh(deconv(x, IMAGE_SHAPE[-1], 4))


# ------------------------------------------------------------------------------------------- discriminator

def patch_discriminator(images, reuse=False, scope='discriminator_a', ndf=64, alpha=0.2):
    """Images (N, 32, 32, 1) -> a map of scores (N, 4, 4, 1), one per overlapping patch (logits)."""
    with v1.variable_scope(scope, reuse=reuse):
        # C64 without instance norm: 32 -> 16
        x = ops.leaky_relu(conv(images, ndf, 4, strides=2), alpha)
        # C128, C256: 16 -> 8 -> 4; C512 at stride 1
        for filters, strides in ((2 * ndf, 2), (4 * ndf, 2), (8 * ndf, 1)):
            x = ops.leaky_relu(ops.instance_norm(conv(x, filters, 4, strides=strides)), alpha)
        return conv(x, 1, 4)


# ------------------------------------------------------------------------------------------- history pool

def history_pool(fakes, reuse=False, scope='pool_a', size=50):
    """The authors' ImagePool.query, in the graph: each fake in turn fills the pool while it holds fewer
    than `size`, and is returned as it is; once full, with probability 0.5 it takes the place of a random
    old fake, which is returned instead, else it is returned itself. The pool's images and count are
    (non-trainable) variables: checkpoints keep them and a resumed run continues with them."""
    with v1.variable_scope(scope, reuse=reuse):
        pool = v1.get_variable('images', [size] + fakes.shape.as_list()[1:], initializer=v1.zeros_initializer(),
                               trainable=False)
        count = v1.get_variable('count', [], tf.int32, initializer=v1.zeros_initializer(), trainable=False)
    fakes = tf.stop_gradient(fakes)
    num = tf.shape(fakes)[0]

    def query_one(i, images, filled, outputs):
        fake = fakes[i]
        swap = tf.random.uniform([]) > 0.5
        slot = tf.random.uniform([], 0, size, dtype=tf.int32)
        filling = filled < size
        target = tf.where(filling, filled, slot)
        replace = tf.logical_or(filling, swap)
        old = images[target]
        images = tf.tensor_scatter_nd_update(images, [[target]], [tf.where(replace, fake, old)])
        output = tf.where(tf.logical_and(tf.logical_not(filling), swap), old, fake)
        return i + 1, images, filled + tf.cast(filling, tf.int32), outputs.write(i, output)

    _, images, filled, outputs = tf.while_loop(
        lambda i, *_: i < num, query_one,
        (tf.constant(0), pool.read_value(), count.read_value(), tf.TensorArray(fakes.dtype, size=num)))
    with tf.control_dependencies([pool.assign(images), count.assign(filled)]):
        return tf.reshape(outputs.stack(), tf.shape(fakes))


def pooled(nets, fakes, pool):
    """The fakes a discriminator step sees: through the domain's history pool, or as they are (no pool)."""
    return fakes if pool is None else getattr(nets, pool)(fakes)


# ------------------------------------------------------------------------------------------- losses

def translations(nets, batch):
    """G(a), F(b): the fakes of each domain."""
    return nets.generator_ab(batch.a), nets.generator_ba(batch.b)


def generator_ab_gan(nets, batch, adversarial):
    """G wants D_B to score G(a) as real."""
    return adversarial.generator(nets.discriminator_b(nets.generator_ab(batch.a)))


def generator_ba_gan(nets, batch, adversarial):
    """F wants D_A to score F(b) as real."""
    return adversarial.generator(nets.discriminator_a(nets.generator_ba(batch.b)))


def cycle_loss(nets, batch, cycle_lambda):
    """lambda (|F(G(a)) - a| + |G(F(b)) - b|): a translation must carry what it takes to translate back."""
    fake_b, fake_a = translations(nets, batch)
    return cycle_lambda * (losses.mean_absolute_error(nets.generator_ba(fake_b), batch.a)
                           + losses.mean_absolute_error(nets.generator_ab(fake_a), batch.b))


def identity_loss(nets, batch, weight):
    """weight (|G(b) - b| + |F(a) - a|): a generator given its own output domain should leave it be."""
    if not weight:
        return tf.constant(0.0)
    return weight * (losses.mean_absolute_error(nets.generator_ab(batch.b), batch.b)
                     + losses.mean_absolute_error(nets.generator_ba(batch.a), batch.a))


def sum_of(nets, batch, terms):
    """The sum of loss terms: what one step of several networks minimizes (G's and F's four; D_A's and D_B's)."""
    return tf.add_n([term(nets, batch) for term in terms])


def discriminator_a_loss(nets, batch, adversarial, pool):
    """Half of D_A's loss on real digits and on F(b), through the pool `pool` (a network name) or not."""
    real, fake = nets.discriminator_a.on_real_and_fake(batch.a, pooled(nets, nets.generator_ba(batch.b), pool))
    return 0.5 * adversarial.discriminator(real, fake)


def discriminator_b_loss(nets, batch, adversarial, pool):
    """Half of D_B's loss on real outlines and on G(a)."""
    real, fake = nets.discriminator_b.on_real_and_fake(batch.b, pooled(nets, nets.generator_ab(batch.a), pool))
    return 0.5 * adversarial.discriminator(real, fake)


class LeastSquares:
    discriminator = staticmethod(losses.least_squares_discriminator_loss)
    generator = staticmethod(losses.least_squares_generator_loss)


class CrossEntropy:
    """The tutorial's `discriminator_loss` (real 1, generated 0, summed) and `generator_loss`, on logits."""

    @staticmethod
    def discriminator(logits_real, logits_fake):
        return losses.minimax_discriminator_loss(logits_real, logits_fake, smooth=0.0)

    generator = staticmethod(losses.minimax_generator_loss)


def adam(base, beta1, decay_start, decay_iterations):
    return v1.train.AdamOptimizer(schedule.linear_decay(base, decay_start, decay_iterations), beta1=beta1)


def cycle_rows(nets, batch):
    """What each epoch keeps, for its figure: a, G(a), F(G(a)), then b, F(b), G(F(b))."""
    def sample(network, images):
        return getattr(nets, network)(images, training=False)
    fake_b, fake_a = sample('generator_ab', batch.a), sample('generator_ba', batch.b)
    return [batch.a, fake_b, sample('generator_ba', fake_b), batch.b, fake_a, sample('generator_ab', fake_a)]


# ------------------------------------------------------------------------------------------- description

def describe(variant='cyclegan', ngf=32, ndf=64, residual_blocks=6, cycle_lambda=10.0, identity_weight=0.5,
             pool_size=50, learning_rate=2e-4, beta1=0.5, epochs=0, iterations_per_epoch=0):
    """epochs, iterations_per_epoch: the run's length, for the learning-rate decay over its second half
    (0: no decay)."""
    if variant not in VARIANTS:
        raise ValueError(f'--variant must be one of {VARIANTS}, got {variant!r}')
    hparams = dict(variant=variant, ngf=ngf, ndf=ndf, residual_blocks=residual_blocks, cycle_lambda=cycle_lambda,
                   identity_weight=identity_weight, pool_size=pool_size, learning_rate=learning_rate, beta1=beta1,
                   epochs=epochs, iterations_per_epoch=iterations_per_epoch)
    if pool_size < 0:
        raise ValueError(f'--pool_size must be 0 or more, got {pool_size}')
    faithful = variant == 'cyclegan'
    adversarial = LeastSquares if faithful else CrossEntropy
    pool = faithful and pool_size > 0
    decay_start, decay_iterations = schedule.decaying_over_last_epochs(
        epochs, epochs - epochs // 2 if faithful else 0, iterations_per_epoch)
    optimizer = functools.partial(adam, learning_rate, beta1, decay_start, decay_iterations)
    generator, generator_kwargs = ((resnet_generator, dict(ngf=ngf, residual_blocks=residual_blocks)) if faithful
                                   else (unet_generator, dict(ngf=ngf)))
    networks = {name: d.Network(name, generator, dict(scope=name, **generator_kwargs))
                for name in ('generator_ab', 'generator_ba')}
    networks |= {name: d.Network(name, patch_discriminator, dict(scope=name, ndf=ndf), per_example=True)
                 for name in ('discriminator_a', 'discriminator_b')}
    if pool:
        networks |= {name: d.Network(name, history_pool, dict(scope=name, size=pool_size))
                     for name in ('pool_a', 'pool_b')}
    generator_terms = (functools.partial(generator_ab_gan, adversarial=adversarial),
                       functools.partial(generator_ba_gan, adversarial=adversarial),
                       functools.partial(cycle_loss, cycle_lambda=cycle_lambda),
                       functools.partial(identity_loss, weight=identity_weight * cycle_lambda))
    # The discriminators' step sees the pooled fakes; the logged losses score the batch's new fakes, so
    # that logging them leaves the pools as they are.
    discriminator_terms = (functools.partial(discriminator_a_loss, adversarial=adversarial,
                                             pool='pool_a' if pool else None),
                           functools.partial(discriminator_b_loss, adversarial=adversarial,
                                             pool='pool_b' if pool else None))
    logged_discriminator_terms = (functools.partial(discriminator_a_loss, adversarial=adversarial, pool=None),
                                  functools.partial(discriminator_b_loss, adversarial=adversarial, pool=None))
    return d.Description(
        name='cyclegan' if faithful else 'cyclegan_tutorial', module='cyclegan', hparams=hparams,
        shaping=('variant', 'ngf', 'ndf', 'residual_blocks', 'pool_size'),
        data=domains.outlines_spec(),
        inputs={'a': d.Data(domain=0), 'b': d.Data(domain=1)},
        networks=networks,
        losses={'Generator_AB': d.Loss(generator_terms[0]), 'Generator_BA': d.Loss(generator_terms[1]),
                'Cycle': d.Loss(generator_terms[2]), 'Identity': d.Loss(generator_terms[3]),
                'Discriminator_A': d.Loss(logged_discriminator_terms[0]),
                'Discriminator_B': d.Loss(logged_discriminator_terms[1]),
                'Generators': d.Loss(functools.partial(sum_of, terms=generator_terms), logged=False),
                'Discriminators': d.Loss(functools.partial(sum_of, terms=discriminator_terms),
                                         logged=False)},
        optimizers={'g': optimizer, 'd': optimizer},
        steps=[d.Step('generators', 'Generators', trains=('generator_ab', 'generator_ba'), optimizer='g'),
               d.Step('discriminators', 'Discriminators', trains=('discriminator_a', 'discriminator_b'),
                      optimizer='d', feed=d.SAME_FEED, after_update=schedule.count_iteration)],
        # G (A -> B) is the run's 'generator' (checkpoints/generator.ckpt); F is in the training checkpoint.
        exports={'generator': d.Sampler('generator_ab', inputs=('a',), call_kwargs={'training': False}),
                 'generator_ba': d.Sampler('generator_ba', inputs=('b',), call_kwargs={'training': False})},
        # Each epoch keeps both cycles of the first 8 test digits and outlines (figures/cyclegan.py).
        epoch_rows=d.EpochRows(cycle_rows, inputs=('a', 'b'), examples=EPOCH_EXAMPLES))
