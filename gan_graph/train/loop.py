"""The one graph-mode training loop: any model description, epochs of batches, as the tutorials ran it.

Per epoch: every iteration runs the description's steps in order (the notebook: one D step, then one G
step on the same batch_z), then the logged losses of the last batch are printed, samples from fresh
noise are kept, the generator checkpoint is saved and the pickles are rewritten. A full checkpoint and
the loop's and RNG's state are saved too, so a rerun with the same output directory resumes after the
last finished epoch; Ctrl-C or SIGTERM stops between batches and loses at most the epoch in progress.
The loop talks to a runner (train/runner.py) and writes files only where the runner is the chief.
"""
import contextlib
import dataclasses
import os
import re
import time

import numpy as np
import tensorflow as tf

from gan_graph.models import description as d
from gan_graph.train import (checkpoints, devices, files, graph as graph_lib, interrupt, manifest, progress,
                             run_dir, run_lock, runner as runner_lib, steps as steps_lib, summaries,
                             towers as towers_lib)

v1 = tf.compat.v1
LOOPS = ('faithful', 'fused', 'in_graph')


class ResumeError(Exception):
    """The output directory holds a run this one cannot continue."""


class DivergedError(Exception):
    """A loss became NaN or infinite: the run stopped, keeping its last finished epoch."""


class SaveError(Exception):
    """An epoch could not be saved (a full disk): the previous epoch's files are intact."""


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
    xla: bool = False                # in_graph: compile each run of chained iterations with XLA
    replicas: int = 1                # towers the batch is split over (train/towers.py)
    device: str = 'auto'             # auto | cpu | gpu (train/devices.py)
    cluster: object = None           # a train/cluster.Cluster: one tower per worker, the session on its chief
    # faithful loop: step_log(epoch, batches in the epoch, batch index, step name, loss) after every step, with
    # the loss of the batch it trained on (what Keras' train_on_batch returns); no progress bar then.
    step_log: object = None
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


def format_epoch_line(epoch, epochs, losses, loss_names, seconds, metrics=()):
    """The notebook's line, `Epoch 1/100... Discriminator Loss: 0.1234... Generator Loss: 5.6789`, + time;
    a logged metric (named in `metrics`) without "Loss": `D accuracy: 0.8125`."""
    losses_text = '... '.join(f'{name}{"" if name in metrics else " Loss"}: {value:.4f}'
                              for name, value in zip(loss_names, losses))
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
                    feed = numpy_feed(description, placeholders, *self.next_batch(), rng)
                elif step.feed == d.NEW_NOISE:
                    feed = fresh_noise(description, placeholders, feed, rng)
                self.run_step(runner, step, feed)
                stop.check()
        return feed

    def run_step(self, runner, step, feed):
        if self.config.step_log is None:
            runner.run(self.graph.train_ops[step.name], feed)
            return
        _, loss = runner.run([self.graph.train_ops[step.name], self.graph.losses[step.loss]], feed)
        self.config.step_log(*self.position, step.name, float(loss))

    def next_batch(self):
        return self.train_set.next_batch(self.config.batch_size, shuffle=self.graph.description.shuffle)

    def run_epoch(self, runner, epoch, num_batches, rng, stop, bar):
        """Returns the feed of the last step: the losses are evaluated on it, as the notebook did."""
        iterations = iterations_per_epoch(self.graph.description, num_batches)
        if not self.graph.description.shuffle:
            self.train_set.rewind()
        feed = None
        for done in range(1, iterations + 1):
            self.position = (epoch, iterations, done - 1)
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
        batches = steps_lib.draw_batches(training_graph.description, self.source, 1)
        self.op = steps_lib.chain(training_graph, batches, 1, self.first_iteration)

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
                last = numpy_feed(description, placeholders, *self.next_batch(), rng)
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
        # A chain longer than an epoch would never run, yet building it takes seconds: a short epoch
        # (--max_batches_per_epoch) gets one chain of its length instead.
        per_epoch = iterations_per_epoch(training_graph.description, batches_per_epoch(train_set.num_examples, config))
        self.steps_per_run = min(config.steps_per_run, per_epoch)
        self.chains = steps_lib.build_in_graph_chains(training_graph, self.data, config.batch_size,
                                                      (self.steps_per_run, 1), config.seed, xla=config.xla)

    def init_feed(self):
        return steps_lib.initial_feed(self.data, self.train_set)

    def run_epoch(self, runner, epoch, num_batches, rng, stop, bar):
        """Shuffle in the graph (unless the model keeps a fixed order), then groups of chained iterations;
        returns a feed of the last batch."""
        if self.graph.description.shuffle:
            runner.run(self.data.shuffle, {self.data.epoch: epoch})
        per_iteration = self.graph.description.batches_per_iteration()
        iterations = iterations_per_epoch(self.graph.description, num_batches)
        done = 0
        while done < iterations:
            count = self.steps_per_run if iterations - done >= self.steps_per_run else 1
            with xla_errors(self.config.xla):
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


@contextlib.contextmanager
def xla_errors(xla):
    """XLA's refusal to compile an op (it has no XLA kernel for some) as a clear error naming the op."""
    try:
        yield
    except tf.errors.InvalidArgumentError as err:
        unsupported = re.search(r"unsupported operations .*?: (\w+) \(No registered", err.message)
        if not (xla and unsupported):
            raise
        raise ValueError(f'--xla: XLA cannot compile this model\'s training step: it has no kernel for the op '
                         f'{unsupported.group(1)} on this device; train without --xla') from None


def make_loop(training_graph, config, train_set):
    if config.loop not in LOOPS:
        raise ValueError(f'loop must be one of {LOOPS}, got {config.loop!r}')
    if config.cluster and config.replicas > 1:
        raise ValueError('--cluster_spec runs one tower per worker: leave out --replicas')
    if config.xla and training_graph.towers:
        raise ValueError('--xla compiles each run into one computation on one device: it cannot split the batch '
                         f'over {"workers (--cluster_spec)" if config.cluster else "towers (--replicas)"}; '
                         'add --noxla')
    if config.loop != 'in_graph' and (config.steps_per_run != 1 or config.xla):
        raise ValueError('--steps_per_run and --xla apply to --loop=in_graph only')
    if config.loop != 'faithful' and config.step_log is not None:
        raise ValueError('a per-step log needs --loop=faithful (the fast loops chain the steps in one run)')
    return {'faithful': FaithfulLoop, 'fused': FusedLoop, 'in_graph': InGraphLoop}[config.loop](
        training_graph, config, train_set)


class RunState:
    """Reads and writes what makes a run resumable and what it records: pickles, checkpoints, the state
    file, flags.txt and run.json. Nothing is written before an epoch has finished."""

    def __init__(self, output_dir, record, flags_text=None):
        """record: this process's manifest (manifest.of, with its seed and training settings)."""
        self.output_dir = output_dir
        self.checkpoint_dir = run_dir.checkpoint_dir(output_dir)
        self.state_path = os.path.join(self.checkpoint_dir, run_dir.TRAINING_STATE)
        self.record, self.flags_text = record, flags_text
        self.saved = manifest.read(output_dir)
        self.state = None           # the state file's content as last read or written
        self.first_epoch = 1        # the first epoch this process trains

    def check_manifest(self, description):
        """A run directory holding another model (or other shaping settings) is refused, not overwritten."""
        if self.saved is None:
            return
        differences = manifest.resume_differences(self.saved, description)
        if differences:
            raise ResumeError(f'{self.output_dir} holds a run with other model settings ({differences}); '
                              f'use the same flags to resume, or another --output_dir.')

    def load(self, runner, saver, loop, log):
        """Restore the last finished epoch if there is one; returns (History, noise RNG state or None)."""
        if not os.path.exists(self.state_path):
            return History([], []), None
        self.state = self.restore_checkpoint(runner, saver, files.read_pickle(self.state_path), log)
        loop.set_state(self.state['loop'])
        epochs = self.state['epochs_done']
        self.first_epoch = epochs + 1
        samples = files.read_pickle(run_dir.path(self.output_dir, run_dir.SAMPLES))[:epochs]
        losses = files.read_pickle(run_dir.path(self.output_dir, run_dir.LOSSES))[:epochs]
        return History(samples, losses), self.state['noise_rng']

    def restore_checkpoint(self, runner, saver, state, log):
        """Restore the full checkpoint of the state's epoch; returns the state restored. A damaged one
        falls back to the epoch before it (its checkpoint and state are kept), saying so."""
        saver.recover_last_checkpoints(checkpoints.kept_training_checkpoints(self.checkpoint_dir))
        prefix = checkpoints.training_checkpoint(self.checkpoint_dir, state['epochs_done'])
        if prefix is None:
            raise ResumeError(f'{self.state_path} says epoch {state["epochs_done"]} finished but its full checkpoint '
                              f'is missing; remove {self.output_dir} or choose another --output_dir.')
        try:
            runner.restore(saver, prefix)
            return state
        except checkpoints.DamagedCheckpointError as err:
            earlier = state.get('earlier')
            earlier_prefix = earlier and checkpoints.training_checkpoint(self.checkpoint_dir, earlier['epochs_done'])
            if not earlier_prefix:
                raise ResumeError(f'{err.damage}; no earlier epoch is kept to fall back to: restore the files from '
                                  f'a copy, or train anew with another --output_dir.') from err
            runner.restore(saver, earlier_prefix)
            log(f'{err.damage}: resuming from epoch {earlier["epochs_done"]}, the checkpoint kept before it.')
            return earlier

    def settings_changes(self):
        """'--name: X -> Y' for each recorded setting this process trains with otherwise ('' if none)."""
        if self.saved is None or self.state is None:
            return ''
        before = manifest.current_settings(self.saved)
        now = manifest.current_settings(self.record)
        return ', '.join(f'--{name}: {before[name]!r} -> {value!r}' for name, value in now.items()
                         if name in before and before[name] != value)

    def save_epoch(self, runner, savers, history, loop, rng):
        """Pickles first, checkpoints next, the records, the state file last: it marks the epoch as
        finished. Each write replaces its file only once complete, so a failed save leaves the last
        finished epoch."""
        try:
            self.write_epoch(runner, savers, history, loop, rng)
        except (OSError, tf.errors.OpError) as err:
            reason = err.message if isinstance(err, tf.errors.OpError) else err
            raise SaveError(f'could not save epoch {history.epochs_done} into {self.output_dir}: {reason}. The files '
                            f'of epoch {history.epochs_done - 1} are intact: free some space and rerun the same '
                            f'command to resume.') from err

    def write_epoch(self, runner, savers, history, loop, rng):
        files.write_pickle(run_dir.path(self.output_dir, run_dir.SAMPLES), history.samples)
        files.write_pickle(run_dir.path(self.output_dir, run_dir.LOSSES), history.losses)
        generator_saver, training_saver = savers
        checkpoints.save_generator(runner, generator_saver, self.checkpoint_dir)
        checkpoints.save_training(runner, training_saver, self.checkpoint_dir, history.epochs_done)
        if self.flags_text is not None:
            files.write_text(run_dir.path(self.output_dir, run_dir.FLAGS), self.flags_text)
        manifest.write(self.output_dir, manifest.with_history(self.record, self.saved, self.first_epoch,
                                                              history.epochs_done))
        earlier = {key: value for key, value in (self.state or {}).items() if key != 'earlier'} or None
        self.state = {'epochs_done': history.epochs_done, 'loop': loop.get_state(), 'noise_rng': rng.get_state(),
                      'earlier': earlier}
        files.write_pickle(self.state_path, self.state)


def training_settings(config):
    """What of the loop's configuration shapes the numbers a run trains to (recorded in run.json)."""
    return {name: getattr(config, name) for name in ('batch_size', 'max_batches_per_epoch', 'loop', 'steps_per_run',
                                                     'xla', 'replicas')}


def resume_line(output_dir, epochs_done, changes):
    line = f'Resuming {output_dir} after epoch {epochs_done}.'
    if changes:
        line += (f' Changed settings from epoch {epochs_done + 1} on ({changes}): run.json records which epochs '
                 'used which.')
    return line


def print_line(text):
    """Each epoch's line reaches a log file when it is printed, not when a buffer fills."""
    print(text, flush=True)


def end_of_epoch(runner, training_graph, feed, rng, config):
    """The logged losses on the last batch (as the notebook printed them), and samples from fresh noise
    (a translation model: translations of the fixed `config.sample_examples`; a model with epoch rows:
    its rows, from those examples)."""
    losses = runner.run(training_graph.logged_losses, feed)
    sample_feed = graph_lib.epoch_feed(training_graph.description, training_graph.batch, rng, config.num_samples,
                                       examples=config.sample_examples)
    samples = runner.run(training_graph.epoch_samples, sample_feed)
    return tuple(float(value) for value in losses), samples


def run_towers(config):
    """The towers of the run: `config.replicas` local ones on `config.device`, or one per cluster worker."""
    return config.cluster.towers() if config.cluster else devices.local_towers(config.replicas, config.device)


def build_graph(description, config, towers=None):
    """The tutorial's graph: on one device, data parallel over `config.replicas` local towers, or over
    the workers of `config.cluster`."""
    towers = towers or run_towers(config)
    if towers.count == 1 and not config.cluster:
        return graph_lib.build(description)
    if config.batch_size % towers.count:
        raise ValueError(f'--batch_size={config.batch_size} must split evenly over {towers.count} '
                         f'{"workers" if config.cluster else "replicas (--replicas)"}')
    return towers_lib.build(description, towers)


def make_runner(config, towers, device):
    """The chief's session on `config.cluster`, or one session here, set for `device` (resolved) and the towers."""
    if config.cluster:
        return runner_lib.ClusterRunner(config.cluster, config.session_config)
    return runner_lib.SessionRunner(devices.session_config(config.session_config, device, towers))


def check_finite(losses, loss_names, epoch, step, output_dir):
    """A NaN or infinite loss ends the run before the epoch is saved: the last finished one stays."""
    bad = [f'{name} loss is {value}' for name, value in zip(loss_names, losses) if not np.isfinite(value)]
    if bad:
        raise DivergedError(f'epoch {epoch}, step {step} (its last batch): {", ".join(bad)}. Training stopped; '
                            f'{output_dir} keeps epoch {epoch - 1}. Try a lower learning rate or another --seed.')


def train(description, train_set, config, output_dir, log=None, runner=None):
    """Train the model `description` describes on `train_set`; returns the History.

    Builds the graph in the default graph. Resumes from `output_dir` when it holds finished epochs;
    raises TrainingInterrupted on a signal.
    """
    log = log or print_line
    state = RunState(output_dir, manifest.of(description, config.seed, training_settings(config)), config.flags_text)
    state.check_manifest(description)
    towers = run_towers(config)
    training_graph = build_graph(description, config, towers)
    loop = make_loop(training_graph, config, train_set)
    savers = (checkpoints.generator_saver(training_graph.export_state['generator']), checkpoints.training_saver())
    rng = np.random.RandomState(config.seed)
    device = devices.resolve(config.device)
    runner = runner or make_runner(config, towers, device)
    device_report = devices.report(towers, device, config.cluster)
    if device_report and runner.is_chief:
        log(device_report)
    with run_lock.locked(output_dir, log) if runner.is_chief else contextlib.nullcontext(), \
            runner.start(loop.init_feed()):
        history, rng_state = state.load(runner, savers[1], loop, log)
        if rng_state is not None:
            rng.set_state(rng_state)
            log(resume_line(output_dir, history.epochs_done, state.settings_changes()))
        if history.epochs_done >= config.epochs:
            log(f'{output_dir} already holds {history.epochs_done} epochs (--epochs={config.epochs}); nothing to do.')
            return history
        loss_names = description.logged_losses
        rows = description.epoch_rows
        writer = summaries.EpochSummaries(output_dir, runner.session.graph, description.data,
                                          rows.examples if rows else None) \
            if config.tensorboard and runner.is_chief else None
        runner.session.graph.finalize()  # nothing may add ops inside the loop (the notebook's per-epoch sampler did)
        start_state = (loop.get_state(), rng.get_state())   # where a lost task sends a run with no finished epoch
        try:
            with interrupt.stop_on_signals() as stop:
                epoch = history.epochs_done + 1
                while epoch <= config.epochs:
                    try:
                        losses, samples, seconds = train_epoch(runner, training_graph, loop, train_set, config, epoch,
                                                               rng, stop, output_dir)
                    except runner.lost_task_errors as err:
                        history = recover(runner, state, savers[1], loop, rng, start_state, err, log)
                        epoch = history.epochs_done + 1
                        continue
                    history.losses.append(losses)
                    history.samples.append(samples)
                    if runner.is_chief:
                        state.save_epoch(runner, savers, history, loop, rng)
                    log(format_epoch_line(epoch, config.epochs, losses, loss_names, seconds, description.metric_names))
                    if writer:
                        writer.write(epoch, {f'loss/{name.lower()}': value for name, value in zip(loss_names, losses)}
                                     | {'seconds_per_epoch': seconds}, samples)
                    epoch += 1
        finally:
            if writer:
                writer.close()
    return history


def train_epoch(runner, training_graph, loop, train_set, config, epoch, rng, stop, output_dir):
    """One epoch of the loop; (the logged losses on its last batch, kept samples, seconds)."""
    start = time.perf_counter()
    description = training_graph.description
    num_batches = batches_per_epoch(train_set.num_examples, config)
    bar = progress.Progress(num_batches, f'Epoch {epoch}/{config.epochs}')
    bar.enabled = bar.enabled and config.step_log is None
    feed = loop.run_epoch(runner, epoch, num_batches, rng, stop, bar)
    bar.close()
    losses, samples = end_of_epoch(runner, training_graph, feed, rng, config)
    check_finite(losses, description.logged_losses, epoch, epoch * iterations_per_epoch(description, num_batches),
                 output_dir)
    return losses, samples, time.perf_counter() - start


def recover(runner, state, saver, loop, rng, start_state, err, log):
    """A cluster task was lost mid-epoch: wait for it, then go on from the last finished epoch (its
    checkpoint, reader and noise state), dropping the epoch in progress. Returns the History."""
    reason = (getattr(err, 'message', '') or str(err)).splitlines()[0]
    log(f'Lost a task of the cluster ({type(err).__name__}: {reason}); waiting for it to come back.')
    runner.restart(loop.init_feed())
    history, rng_state = state.load(runner, saver, loop, log)
    if rng_state is None:
        loop.set_state(start_state[0])
        rng.set_state(start_state[1])
    else:
        rng.set_state(rng_state)
    log(f'The cluster is back: resuming after epoch {history.epochs_done}.')
    return history


def train_new_graph(description, train_set, config, output_dir, log=None):
    """Train in a fresh graph seeded with config.seed."""
    with tf.Graph().as_default():
        v1.set_random_seed(config.seed)
        return train(description, train_set, config, output_dir, log)
