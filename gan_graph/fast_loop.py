"""The fast training path: in-graph input, one fused D-then-G step, several steps per sess.run.

The faithful loop feeds numpy batches and runs the D step and the G step as two `sess.run`s. Here:
- the training images live in a (local, never checkpointed) variable; each epoch runs one in-graph
  shuffle, and step i takes rows order[i*B:(i+1)*B], so every image is used once per epoch;
- the noise is drawn in the graph: one batch_z shared by the D and the G update, as in the notebook,
  or a second one for the G update where the model's loop draws fresh noise for it (DCGAN);
- both are stateless random draws keyed by (seed, epoch, batch), so a resumed run continues exactly
  as the uninterrupted run would have;
- the fused step updates D, then (control dependency) G. G's weights do not change in the D update,
  so with shared noise G's forward pass is computed once; D is re-read after its update, as the second
  `sess.run` of the notebook would read it. A D without batch statistics sees real and fake as one
  batch of 2B (one larger matrix product per layer instead of two);
- `steps_per_run` fused steps are chained in one op, so Python and the session are entered once
  per group of steps rather than twice per batch.
"""
import contextlib
import dataclasses

import numpy as np
import tensorflow as tf

from gan_graph import model as model_lib, ops

v1 = tf.compat.v1


def discriminate_real_and_fake(networks, real, fake):
    if networks.per_example_discriminator:
        logits_real, logits_fake = tf.split(networks.discriminator(tf.concat([real, fake], 0)),
                                            [tf.shape(real)[0], tf.shape(fake)[0]])
        return logits_real, logits_fake
    return networks.discriminator(real), networks.discriminator(fake)


def fused_step(networks, d_vars, g_vars, real, z, z_generator=None):
    """One D update on (real, G(z)), then one G update on G(z_generator); returns (train op, d_loss, g_loss).

    z_generator None: the G update reuses z, as the notebook's does, and G's forward pass is shared.
    Batch-norm moving statistics are updated as by the two-run loop: the D update runs the updates of
    D's passes over real and fake, the G update those of G's pass over z_generator; no others.
    """
    fake = networks.generator(z)
    with ops.new_update_ops() as d_updates:
        logits_real, logits_fake = discriminate_real_and_fake(networks, real, fake)
    d_loss = networks.d_loss(logits_real, logits_fake)
    with tf.control_dependencies(d_updates):
        d_train = networks.d_optimizer.minimize(d_loss, var_list=d_vars)
    with ops.new_update_ops() as g_updates:
        # Reads only G's variables, which the D update leaves alone: free to overlap with it.
        fake_for_g = fake if z_generator is None else networks.generator(z_generator)
    with tf.control_dependencies([d_train]):
        # Built inside the dependency: these reads of D's variables see the updated values.
        g_loss = networks.g_loss(networks.discriminator(fake_for_g))
    with tf.control_dependencies(g_updates):
        g_train = networks.g_optimizer.minimize(g_loss, var_list=g_vars)
    return g_train, d_loss, g_loss


def generator_draws_fresh_noise(model, loop):
    """Whether the model's G step draws new noise (the Keras tutorials) rather than reusing the D
    step's (the notebook). The fused step needs the networks and one D step, then one G step, per batch."""
    if model.networks is None:
        raise ValueError(f'--loop={loop} needs a model that describes its networks; {model.name} does not')
    phases = model.phases
    if (len(phases) != 2 or any(phase.repeats != 1 for phase in phases) or phases[0].feed != model_lib.NEW_BATCH
            or phases[1].feed == model_lib.NEW_BATCH):
        raise ValueError(f'--loop={loop} fuses one D step and one G step per batch; {model.name} trains '
                         + ', '.join(f'{phase.name} x{phase.repeats}' for phase in phases) + ': use --loop=faithful')
    return phases[1].feed == model_lib.NEW_NOISE


@contextlib.contextmanager
def maybe_xla(enabled):
    if enabled:
        with tf.xla.experimental.jit_scope(compile_ops=True, separate_compiled_gradients=False):
            yield
    else:
        yield


@dataclasses.dataclass
class InGraphInput:
    """The train set held in the graph, with a per-epoch shuffled order."""
    epoch: tf.Tensor          # int32 placeholder: the epoch whose order `shuffle` draws
    images: tf.Variable
    order: tf.Variable
    shuffle: tf.Operation
    images_value: tf.Tensor   # placeholder the images variable is initialised from
    num_examples: int


def in_graph_input(num_examples, image_size, seed, epoch):
    """`epoch` is an int32 tensor: each epoch's order is a stateless shuffle keyed by (seed, epoch)."""
    images_value = v1.placeholder(tf.float32, (num_examples, image_size), name='train_images')
    # Local variables: not in the checkpoints, initialised from the placeholder, not a graph constant.
    images = v1.Variable(images_value, trainable=False, collections=[v1.GraphKeys.LOCAL_VARIABLES],
                         name='train_images_in_graph')
    order = v1.Variable(tf.range(num_examples), trainable=False, collections=[v1.GraphKeys.LOCAL_VARIABLES],
                        name='train_order')
    keys = tf.random.stateless_uniform([num_examples], seed=tf.stack([seed, epoch]), dtype=tf.int32,
                                       minval=None, maxval=None)
    shuffle = order.assign(tf.argsort(keys, stable=True)).op
    return InGraphInput(epoch, images, order, shuffle, images_value, num_examples)


def batch_images(data, batch_index, batch_size):
    """Rows order[i*B:(i+1)*B] of the in-graph images: batch i of the current epoch."""
    rows = data.order[batch_index * batch_size:(batch_index + 1) * batch_size]
    return tf.gather(data.images, rows)


@dataclasses.dataclass
class FastSteps:
    """Ops that run `count` consecutive fused steps from batch index `first_batch` on."""
    first_batch: tf.Tensor    # int32 placeholder: the index within the epoch of the first step's batch
    run_ops: dict             # count -> op
    last_real: tf.Variable    # the last step's batch and noise, to evaluate the losses as the notebook did
    last_z: tf.Variable


def build_steps(model, data, batch_size, counts, seed, xla=False):
    """Build chained fused steps for each count in `counts` (e.g. steps_per_run and 1 for the rest).

    Step k of a run draws its noise keyed by (seed, epoch * 2**20 + first_batch + k), and the G
    update's own noise, where the model draws it, keyed by that key folded with 1.
    """
    networks = model.networks
    fresh_generator_noise = generator_draws_fresh_noise(model, 'in_graph')
    first_batch = v1.placeholder(tf.int32, (), name='first_batch')
    z_size = model.z_input.shape[-1]
    last_real = v1.Variable(tf.zeros((batch_size, data.images.shape[-1])), trainable=False,
                            collections=[v1.GraphKeys.LOCAL_VARIABLES], name='last_real')
    last_z = v1.Variable(tf.zeros((batch_size, z_size)), trainable=False,
                         collections=[v1.GraphKeys.LOCAL_VARIABLES], name='last_z')
    run_ops = {}
    for count in sorted(set(counts)):
        previous = []
        for k in range(count):
            with tf.control_dependencies(previous), maybe_xla(xla):
                real = model.preprocess(batch_images(data, first_batch + k, batch_size))
                key = tf.stack([seed, data.epoch * 2**20 + first_batch + k])
                z = networks.noise(batch_size, key)
                z_generator = (networks.noise(batch_size, tf.random.experimental.stateless_fold_in(key, 1))
                               if fresh_generator_noise else None)
                train_op, _, _ = fused_step(networks, model.d_vars, model.g_vars, real, z, z_generator)
                previous = [train_op]
        with tf.control_dependencies(previous):
            # The two-run loop's last feed: the G step's noise.
            last_noise = z if z_generator is None else z_generator
            run_ops[count] = tf.group(last_real.assign(real), last_z.assign(last_noise))
    return FastSteps(first_batch, run_ops, last_real, last_z)


def run_epoch(sess, model, data, steps, epoch, num_batches, steps_per_run, stop, bar):
    """One epoch: shuffle in the graph, then groups of fused steps; returns a feed of the last batch."""
    sess.run(data.shuffle, {data.epoch: epoch})
    done = 0
    while done < num_batches:
        count = steps_per_run if num_batches - done >= steps_per_run else 1
        sess.run(steps.run_ops[count], {steps.first_batch: done, data.epoch: epoch})
        done += count
        stop.check()
        bar.update(done)
    last_real, last_z = sess.run([steps.last_real, steps.last_z])
    return {model.real_input: last_real, model.z_input: last_z}


def initialize_input(sess, data, images):
    sess.run(v1.local_variables_initializer(), {data.images_value: np.asarray(images, np.float32)})


class FusedFeedLoop:
    """Numpy batches fed as in the notebook, but one fused D-then-G `sess.run` per batch."""

    def __init__(self, model, config):
        self.model, self.config = model, config
        # The G update's own noise, where the model draws it (fed after the D step's, as the two-run loop).
        self.z_generator = (v1.placeholder(tf.float32, model.z_input.shape, name='input_z_generator')
                            if generator_draws_fresh_noise(model, 'fused') else None)
        self.train_op, _, _ = fused_step(model.networks, model.d_vars, model.g_vars,
                                         model.real_input, model.z_input, self.z_generator)

    def initialize(self, sess):
        pass

    def run_epoch(self, sess, train_set, rng, stop, bar, num_batches, epoch):
        feed = None
        for done in range(1, num_batches + 1):
            images, labels = train_set.next_batch(self.config.batch_size)
            feed = self.model.feed(images, labels, rng)
            if self.z_generator is None:
                sess.run(self.train_op, feed)
            else:
                generator_feed = self.model.refresh_noise(feed, rng)
                sess.run(self.train_op, {**feed, self.z_generator: generator_feed[self.model.z_input]})
                feed = generator_feed
            stop.check()
            bar.update(done)
        return feed


class InGraphLoop:
    """Training images and noise in the graph; `steps_per_run` fused steps per `sess.run`."""

    def __init__(self, model, config, train_set):
        self.model, self.config, self.train_set = model, config, train_set
        images = train_set._all_images
        epoch = v1.placeholder(tf.int32, (), name='epoch')
        self.data = in_graph_input(images.shape[0], images.shape[1], config.seed, epoch)
        self.steps = build_steps(model, self.data, config.batch_size, (config.steps_per_run, 1), config.seed,
                                 xla=config.xla)

    def initialize(self, sess):
        initialize_input(sess, self.data, self.train_set._all_images)

    def run_epoch(self, sess, train_set, rng, stop, bar, num_batches, epoch):
        return run_epoch(sess, self.model, self.data, self.steps, epoch, num_batches, self.config.steps_per_run,
                         stop, bar)
