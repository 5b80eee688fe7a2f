"""The one graph-mode training loop: any GANModel, epochs of batches, tf.Session, as the tutorials ran it.

Per epoch: every iteration runs the model's phases in order (the notebook: one D step, then one G step
on the same batch_z), then the losses of the last batch are printed, samples from fresh noise are kept,
the generator checkpoint is saved and the pickles are rewritten. A full checkpoint and the RNG and
reader state are saved too, so a rerun with the same output directory resumes after the last finished
epoch; Ctrl-C or SIGTERM stops between batches and loses at most the epoch in progress.
"""
import dataclasses
import os
import time

import numpy as np
import tensorflow as tf

from gan_graph import checkpoints, fast_loop, files, interrupt, model as model_lib, progress, run_dir, summaries

v1 = tf.compat.v1


class ResumeError(Exception):
    """The output directory holds a run this one cannot continue."""


@dataclasses.dataclass
class TrainConfig:
    epochs: int = 100
    batch_size: int = 100
    max_batches_per_epoch: int = 0   # 0: the whole train set, num_examples // batch_size
    num_samples: int = 16            # samples kept per epoch
    seed: int = 0
    tensorboard: bool = True
    session_config: object = None
    flags_text: str = None           # written to flags.txt once the run is known to be resumable
    loop: str = 'faithful'           # faithful | fused | in_graph (see gan_graph/fast_loop.py)
    steps_per_run: int = 1           # in_graph: fused steps chained in one sess.run
    xla: bool = False                # in_graph: compile each step with XLA


LOOPS = ('faithful', 'fused', 'in_graph')


@dataclasses.dataclass
class History:
    samples: list
    losses: list

    @property
    def epochs_done(self):
        return len(self.samples)


def batches_per_epoch(num_examples, config):
    full = num_examples // config.batch_size
    if config.max_batches_per_epoch:
        return min(full, config.max_batches_per_epoch)
    return full


def format_epoch_line(epoch, epochs, losses, loss_names, seconds):
    """The notebook's line, `Epoch 1/100... Discriminator Loss: 0.1234... Generator Loss: 5.6789`, + time."""
    losses_text = '... '.join(f'{name} Loss: {value:.4f}' for name, value in zip(loss_names, losses))
    return f'Epoch {epoch}/{epochs}... {losses_text} ({seconds:.1f} s)'


def run_iteration(sess, model, train_set, config, rng, stop):
    """One pass over the model's phases; returns the last feed (the notebook evaluates losses on it)."""
    feed = None
    for phase in model.phases:
        for _ in range(phase.repeats):
            if phase.feed == model_lib.NEW_BATCH or feed is None:
                images, labels = train_set.next_batch(config.batch_size)
                feed = model.feed(images, labels, rng)
            elif phase.feed == model_lib.NEW_NOISE:
                feed = model.refresh_noise(feed, rng)
            sess.run(phase.train_op, feed_dict=feed)
            stop.check()
    return feed


def batches_per_iteration(model):
    return sum(phase.repeats for phase in model.phases if phase.feed == model_lib.NEW_BATCH) or 1


class FaithfulLoop:
    """The notebook's loop: numpy batches through feed_dict, one `sess.run` per phase."""

    def __init__(self, model, config):
        self.model, self.config = model, config

    def initialize(self, sess):
        pass

    def run_epoch(self, sess, train_set, rng, stop, bar, num_batches, epoch):
        feed = None
        for done in range(1, max(1, num_batches // batches_per_iteration(self.model)) + 1):
            feed = run_iteration(sess, self.model, train_set, self.config, rng, stop)
            bar.update(done * batches_per_iteration(self.model))
        return feed


def make_loop(model, config, train_set):
    if config.loop not in LOOPS:
        raise ValueError(f'loop must be one of {LOOPS}, got {config.loop!r}')
    if config.loop != 'in_graph' and (config.steps_per_run != 1 or config.xla):
        raise ValueError('--steps_per_run and --xla apply to --loop=in_graph only')
    if config.loop == 'faithful':
        return FaithfulLoop(model, config)
    if config.loop == 'fused':
        return fast_loop.FusedFeedLoop(model, config)
    return fast_loop.InGraphLoop(model, config, train_set)


def run_epoch(sess, loop, train_set, config, rng, stop, epoch):
    """One epoch of `loop`; returns the feed of its last batch (the notebook evaluates losses on it)."""
    num_batches = batches_per_epoch(train_set.num_examples, config)
    bar = progress.Progress(num_batches, f'Epoch {epoch}/{config.epochs}')
    feed = loop.run_epoch(sess, train_set, rng, stop, bar, num_batches, epoch)
    bar.close()
    return feed


class RunState:
    """Reads and writes what makes a run resumable: pickles, checkpoints and the state file."""

    def __init__(self, output_dir):
        self.output_dir = output_dir
        self.checkpoint_dir = run_dir.checkpoint_dir(output_dir)
        self.state_path = os.path.join(self.checkpoint_dir, run_dir.TRAINING_STATE)

    def load(self, sess, saver, model, train_set):
        """Restore the last finished epoch if there is one; returns (History, noise RNG state or None)."""
        if not os.path.exists(self.state_path):
            return History([], []), None
        state = files.read_pickle(self.state_path)
        self.check_signature(state['signature'], model.signature)
        prefix = checkpoints.latest_training_checkpoint(self.checkpoint_dir)
        if prefix is None:
            raise ResumeError(f'{self.state_path} exists but the full checkpoint it belongs to is missing; '
                              f'remove {self.output_dir} or choose another --output_dir.')
        checkpoints.restore(sess, saver, prefix)
        train_set.set_state(state['reader'])
        epochs = state['epochs_done']
        samples = files.read_pickle(run_dir.path(self.output_dir, run_dir.SAMPLES))[:epochs]
        losses = files.read_pickle(run_dir.path(self.output_dir, run_dir.LOSSES))[:epochs]
        return History(samples, losses), state['noise_rng']

    def check_signature(self, saved, current):
        differing = {key: (saved.get(key), current.get(key)) for key in set(saved) | set(current)
                     if saved.get(key) != current.get(key)}
        if differing:
            details = ', '.join(f'--{key}: saved {old!r}, now {new!r}' for key, (old, new) in sorted(differing.items()))
            raise ResumeError(f'{self.output_dir} holds a run with other model settings ({details}); '
                              f'use the same flags to resume, or another --output_dir.')

    def save_epoch(self, sess, savers, model, history, train_set, rng):
        """Pickles first, checkpoints next, the state file last: it marks the epoch as finished."""
        files.write_pickle(run_dir.path(self.output_dir, run_dir.SAMPLES), history.samples)
        files.write_pickle(run_dir.path(self.output_dir, run_dir.LOSSES), history.losses)
        generator_saver, training_saver = savers
        checkpoints.save_generator(sess, generator_saver, self.checkpoint_dir)
        checkpoints.save_training(sess, training_saver, self.checkpoint_dir, history.epochs_done)
        files.write_pickle(self.state_path, {
            'epochs_done': history.epochs_done, 'signature': model.signature,
            'reader': train_set.get_state(), 'noise_rng': rng.get_state()})


def print_line(text):
    """Each epoch's line reaches a log file when it is printed, not when a buffer fills."""
    print(text, flush=True)


def end_of_epoch(sess, model, feed, rng, config):
    """Losses on the last batch (as the notebook printed them) and samples from fresh noise."""
    d_loss, g_loss = sess.run([model.d_loss, model.g_loss], feed_dict=feed)
    samples = sess.run(model.sampler, feed_dict=model.sample_feed(rng, config.num_samples))
    return (float(d_loss), float(g_loss)), samples


def train(model, train_set, config, output_dir, log=None):
    """Train `model` (built in the default graph) on `train_set`; returns the History.

    Resumes from `output_dir` when it holds finished epochs; raises TrainingInterrupted on a signal.
    """
    log = log or print_line
    state = RunState(output_dir)
    loop = make_loop(model, config, train_set)
    savers = (checkpoints.generator_saver(model.g_save_vars), checkpoints.training_saver())
    rng = np.random.RandomState(config.seed)
    with v1.Session(config=config.session_config) as sess:
        sess.run(v1.global_variables_initializer())
        loop.initialize(sess)
        history, rng_state = state.load(sess, savers[1], model, train_set)
        if rng_state is not None:
            rng.set_state(rng_state)
            log(f'Resuming {output_dir} after epoch {history.epochs_done}.')
        if config.flags_text is not None:
            files.write_text(run_dir.path(output_dir, run_dir.FLAGS), config.flags_text)
        checkpoints.save_generator_spec(state.checkpoint_dir, model.generator_spec)
        if history.epochs_done >= config.epochs:
            log(f'{output_dir} already holds {history.epochs_done} epochs (--epochs={config.epochs}); nothing to do.')
            return history
        writer = summaries.EpochSummaries(output_dir, sess.graph) if config.tensorboard else None
        sess.graph.finalize()  # nothing may add ops inside the loop (the notebook's per-epoch sampler did)
        try:
            with interrupt.stop_on_signals() as stop:
                for epoch in range(history.epochs_done + 1, config.epochs + 1):
                    start = time.perf_counter()
                    feed = run_epoch(sess, loop, train_set, config, rng, stop, epoch)
                    losses, samples = end_of_epoch(sess, model, feed, rng, config)
                    history.losses.append(losses)
                    history.samples.append(samples)
                    state.save_epoch(sess, savers, model, history, train_set, rng)
                    seconds = time.perf_counter() - start
                    log(format_epoch_line(epoch, config.epochs, losses, model.loss_names, seconds))
                    if writer:
                        writer.write(epoch, {f'loss/{name.lower()}': value
                                             for name, value in zip(model.loss_names, losses)}
                                     | {'seconds_per_epoch': seconds}, samples)
        finally:
            if writer:
                writer.close()
    return history


def train_new_graph(build_model, train_set, config, output_dir, log=None):
    """Build the model in a fresh graph seeded with config.seed, then train it."""
    with tf.Graph().as_default():
        v1.set_random_seed(config.seed)
        model = build_model()
        return train(model, train_set, config, output_dir, log)
