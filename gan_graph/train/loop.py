"""The one graph-mode training loop: any model description, epochs of batches, as the tutorials ran it.

Per epoch: every iteration runs the description's steps in order (the notebook: one D step, then one G
step on the same batch_z), then the logged losses of the last batch are printed, samples from fresh
noise are kept, the generator checkpoint is saved and the pickles are rewritten. A full checkpoint and
the loop's and RNG's state are saved too, so a rerun with the same output directory resumes after the
last finished epoch; Ctrl-C or SIGTERM stops between batches and loses at most the epoch in progress.
The loop talks to a runner (train/runner.py) and writes files only where the runner is the chief.
"""
import dataclasses
import os
import time

import numpy as np
import tensorflow as tf

from gan_graph.models import description as d
from gan_graph.train import (checkpoints, files, graph as graph_lib, interrupt, manifest, progress, run_dir,
                             runner as runner_lib, steps as steps_lib, summaries)

v1 = tf.compat.v1
LOOPS = ('faithful', 'fused', 'in_graph')


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
    loop: str = 'faithful'           # faithful | fused | in_graph (see train/steps.py)
    steps_per_run: int = 1           # in_graph: iterations chained in one sess.run
    xla: bool = False                # in_graph: compile each step with XLA
    sample_examples: object = None   # stored images the samples translate, for a generator that takes data


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


def iterations_per_epoch(description, num_batches):
    return max(1, num_batches // description.batches_per_iteration())


def format_epoch_line(epoch, epochs, losses, loss_names, seconds):
    """The notebook's line, `Epoch 1/100... Discriminator Loss: 0.1234... Generator Loss: 5.6789`, + time."""
    losses_text = '... '.join(f'{name} Loss: {value:.4f}' for name, value in zip(loss_names, losses))
    return f'Epoch {epoch}/{epochs}... {losses_text} ({seconds:.1f} s)'


def numpy_feed(description, placeholders, images, labels, rng):
    """The next real batch (and labels) and fresh noise, drawn in the description's input order."""
    data = {placeholders[name]: spec.select(labels if spec.field == 'labels' else images)
            for name, spec in description.inputs.items() if isinstance(spec, d.Data)}
    return fresh_noise(description, placeholders, data, rng)


def fresh_noise(description, placeholders, feed, rng):
    """The same batch with fresh noise."""
    num = len(next(iter(feed.values())))
    return {**feed, **{placeholders[name]: spec.numpy(rng, num) for name, spec in description.inputs.items()
                       if isinstance(spec, d.Noise)}}


def due(step, iteration):
    return iteration % step.every == 0


class FaithfulLoop:
    """The tutorial's loop: numpy batches through feed_dict, one `sess.run` per step."""

    def __init__(self, training_graph, config, train_set):
        self.graph, self.config, self.train_set = training_graph, config, train_set

    def init_feed(self):
        return None

    def iteration(self, runner, rng, stop, iteration):
        description, placeholders = self.graph.description, self.graph.placeholders
        feed = None
        for step in description.steps:
            if not due(step, iteration):
                continue
            for _ in range(step.repeats):
                if step.feed == d.NEW_BATCH or feed is None:
                    feed = numpy_feed(description, placeholders, *self.train_set.next_batch(self.config.batch_size), rng)
                elif step.feed == d.NEW_NOISE:
                    feed = fresh_noise(description, placeholders, feed, rng)
                runner.run(self.graph.train_ops[step.name], feed)
                stop.check()
        return feed

    def run_epoch(self, runner, epoch, num_batches, rng, stop, bar):
        """Returns the feed of the last step: the losses are evaluated on it, as the notebook did."""
        iterations = iterations_per_epoch(self.graph.description, num_batches)
        feed = None
        for done in range(1, iterations + 1):
            feed = self.iteration(runner, rng, stop, (epoch - 1) * iterations + done - 1)
            bar.update(done * num_batches // iterations)
        return feed

    def get_state(self):
        return {'reader': self.train_set.get_state()}

    def set_state(self, state):
        self.train_set.set_state(state['reader'])


class FusedLoop(FaithfulLoop):
    """Numpy batches fed as in the tutorial's loop, but one `sess.run` per iteration: every step chained."""

    def __init__(self, training_graph, config, train_set):
        super().__init__(training_graph, config, train_set)
        self.source = steps_lib.FeedSource(training_graph.description)
        self.first_iteration = v1.placeholder(tf.int32, (), name='first_iteration')
        self.op, _ = steps_lib.chain(training_graph, self.source, 1, self.first_iteration)

    def iteration(self, runner, rng, stop, iteration):
        """Draws in the order the faithful loop draws them (nothing for a step not due: its inputs are
        fed zeros, unused); returns the last feed, mapped to the tutorial graph's placeholders."""
        description = self.graph.description
        feed, last, values = {self.first_iteration: iteration}, None, {}
        for step, kind, placeholders in self.source.draws:
            if not due(step, iteration):
                feed.update({placeholder: np.zeros((self.config.batch_size,) + tuple(placeholder.shape[1:]),
                                                   placeholder.dtype.as_numpy_dtype)
                             for placeholder in placeholders.values()})
                continue
            if kind == 'batch':
                last = numpy_feed(description, placeholders, *self.train_set.next_batch(self.config.batch_size), rng)
            else:
                last = fresh_noise(description, placeholders, last, rng)
            feed.update(last)
            values.update({name: last[placeholder] for name, placeholder in placeholders.items()})
        runner.run(self.op, feed)
        stop.check()
        return {self.graph.placeholders[name]: value for name, value in values.items()}


class InGraphLoop:
    """Training data and noise in the graph; `steps_per_run` iterations per `sess.run`."""

    def __init__(self, training_graph, config, train_set):
        self.graph, self.config, self.train_set = training_graph, config, train_set
        self.data = steps_lib.in_graph_data(training_graph.description, train_set.num_examples, config.seed)
        iterations = (config.steps_per_run, 1)
        self.chains = steps_lib.build_in_graph_chains(training_graph, self.data, config.batch_size, iterations,
                                                      config.seed, xla=config.xla)

    def init_feed(self):
        return steps_lib.initial_feed(self.data, self.train_set)

    def run_epoch(self, runner, epoch, num_batches, rng, stop, bar):
        """Shuffle in the graph, then groups of chained iterations; returns a feed of the last batch."""
        runner.run(self.data.shuffle, {self.data.epoch: epoch})
        per_iteration = self.graph.description.batches_per_iteration()
        iterations = iterations_per_epoch(self.graph.description, num_batches)
        done = 0
        while done < iterations:
            count = self.config.steps_per_run if iterations - done >= self.config.steps_per_run else 1
            runner.run(self.chains.run_ops[count], {self.chains.first_batch: done * per_iteration,
                                                    self.chains.first_iteration: (epoch - 1) * iterations + done,
                                                    self.data.epoch: epoch})
            done += count
            stop.check()
            bar.update(done * per_iteration)
        last = runner.run(self.chains.last_batch)
        return {self.graph.placeholders[name]: value for name, value in last.items()}

    def get_state(self):
        return {}   # each epoch's order and noise follow from (seed, epoch)

    def set_state(self, state):
        pass


def make_loop(training_graph, config, train_set):
    if config.loop not in LOOPS:
        raise ValueError(f'loop must be one of {LOOPS}, got {config.loop!r}')
    if config.loop != 'in_graph' and (config.steps_per_run != 1 or config.xla):
        raise ValueError('--steps_per_run and --xla apply to --loop=in_graph only')
    return {'faithful': FaithfulLoop, 'fused': FusedLoop, 'in_graph': InGraphLoop}[config.loop](
        training_graph, config, train_set)


class RunState:
    """Reads and writes what makes a run resumable: pickles, checkpoints and the state file."""

    def __init__(self, output_dir):
        self.output_dir = output_dir
        self.checkpoint_dir = run_dir.checkpoint_dir(output_dir)
        self.state_path = os.path.join(self.checkpoint_dir, run_dir.TRAINING_STATE)

    def check_manifest(self, description):
        """A run directory holding another model (or other shaping settings) is refused, not overwritten."""
        saved = manifest.read(self.output_dir)
        if saved is None:
            return
        differences = manifest.resume_differences(saved, description)
        if differences:
            raise ResumeError(f'{self.output_dir} holds a run with other model settings ({differences}); '
                              f'use the same flags to resume, or another --output_dir.')

    def load(self, runner, saver, loop):
        """Restore the last finished epoch if there is one; returns (History, noise RNG state or None)."""
        if not os.path.exists(self.state_path):
            return History([], []), None
        state = files.read_pickle(self.state_path)
        prefix = checkpoints.latest_training_checkpoint(self.checkpoint_dir)
        if prefix is None:
            raise ResumeError(f'{self.state_path} exists but the full checkpoint it belongs to is missing; '
                              f'remove {self.output_dir} or choose another --output_dir.')
        runner.restore(saver, prefix)
        loop.set_state(state['loop'])
        epochs = state['epochs_done']
        samples = files.read_pickle(run_dir.path(self.output_dir, run_dir.SAMPLES))[:epochs]
        losses = files.read_pickle(run_dir.path(self.output_dir, run_dir.LOSSES))[:epochs]
        return History(samples, losses), state['noise_rng']

    def save_epoch(self, runner, savers, history, loop, rng):
        """Pickles first, checkpoints next, the state file last: it marks the epoch as finished."""
        files.write_pickle(run_dir.path(self.output_dir, run_dir.SAMPLES), history.samples)
        files.write_pickle(run_dir.path(self.output_dir, run_dir.LOSSES), history.losses)
        generator_saver, training_saver = savers
        checkpoints.save_generator(runner, generator_saver, self.checkpoint_dir)
        checkpoints.save_training(runner, training_saver, self.checkpoint_dir, history.epochs_done)
        files.write_pickle(self.state_path, {'epochs_done': history.epochs_done, 'loop': loop.get_state(),
                                             'noise_rng': rng.get_state()})


def print_line(text):
    """Each epoch's line reaches a log file when it is printed, not when a buffer fills."""
    print(text, flush=True)


def end_of_epoch(runner, training_graph, feed, rng, config):
    """The logged losses on the last batch (as the notebook printed them), and samples from fresh noise
    (a translation model: translations of the fixed `config.sample_examples`)."""
    losses = runner.run(training_graph.logged_losses, feed)
    sample_feed = graph_lib.sampler_feed(training_graph.description, training_graph.batch, rng, config.num_samples,
                                         examples=config.sample_examples)
    samples = runner.run(training_graph.samplers['generator'], sample_feed)
    return tuple(float(value) for value in losses), samples


def train(description, train_set, config, output_dir, log=None, runner=None):
    """Train the model `description` describes on `train_set`; returns the History.

    Builds the graph in the default graph. Resumes from `output_dir` when it holds finished epochs;
    raises TrainingInterrupted on a signal.
    """
    log = log or print_line
    state = RunState(output_dir)
    state.check_manifest(description)
    training_graph = graph_lib.build(description)
    loop = make_loop(training_graph, config, train_set)
    savers = (checkpoints.generator_saver(training_graph.export_state['generator']), checkpoints.training_saver())
    rng = np.random.RandomState(config.seed)
    runner = runner or runner_lib.SessionRunner(config.session_config)
    with runner.start(loop.init_feed()):
        history, rng_state = state.load(runner, savers[1], loop)
        if rng_state is not None:
            rng.set_state(rng_state)
            log(f'Resuming {output_dir} after epoch {history.epochs_done}.')
        if runner.is_chief:
            if config.flags_text is not None:
                files.write_text(run_dir.path(output_dir, run_dir.FLAGS), config.flags_text)
            manifest.write(output_dir, manifest.of(description))
        if history.epochs_done >= config.epochs:
            log(f'{output_dir} already holds {history.epochs_done} epochs (--epochs={config.epochs}); nothing to do.')
            return history
        loss_names = description.logged_losses
        writer = summaries.EpochSummaries(output_dir, runner.session.graph, description.data) \
            if config.tensorboard and runner.is_chief else None
        runner.session.graph.finalize()  # nothing may add ops inside the loop (the notebook's per-epoch sampler did)
        try:
            with interrupt.stop_on_signals() as stop:
                for epoch in range(history.epochs_done + 1, config.epochs + 1):
                    start = time.perf_counter()
                    num_batches = batches_per_epoch(train_set.num_examples, config)
                    bar = progress.Progress(num_batches, f'Epoch {epoch}/{config.epochs}')
                    feed = loop.run_epoch(runner, epoch, num_batches, rng, stop, bar)
                    bar.close()
                    losses, samples = end_of_epoch(runner, training_graph, feed, rng, config)
                    history.losses.append(losses)
                    history.samples.append(samples)
                    if runner.is_chief:
                        state.save_epoch(runner, savers, history, loop, rng)
                    seconds = time.perf_counter() - start
                    log(format_epoch_line(epoch, config.epochs, losses, loss_names, seconds))
                    if writer:
                        writer.write(epoch, {f'loss/{name.lower()}': value for name, value in zip(loss_names, losses)}
                                     | {'seconds_per_epoch': seconds}, samples)
        finally:
            if writer:
                writer.close()
    return history


def train_new_graph(description, train_set, config, output_dir, log=None):
    """Train in a fresh graph seeded with config.seed."""
    with tf.Graph().as_default():
        v1.set_random_seed(config.seed)
        return train(description, train_set, config, output_dir, log)
