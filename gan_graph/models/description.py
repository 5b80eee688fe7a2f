"""A model described once: its inputs, networks, losses, optimizers, step schedule and exported samplers.

A model module writes its networks as the tutorial's variable-scoped functions with `reuse`, and its
losses as functions `loss(nets, batch) -> scalar tensor` that apply the networks to the batch's inputs:
`nets.generator(batch.z)`, `nets.discriminator(batch.real)`. `describe(**hparams)` names all of it in a
`Description`. The builders in `gan_graph.train` make from that one description both the tutorial's
graph (placeholders, networks built once and again with reuse=True, one optimizer per network over its
scope-filtered variables, one `sess.run` per step) and the fast in-graph steps; sampling, figures and
metrics rebuild the exported networks from it. Nothing here knows about sessions, files or loops.
"""
import contextlib
import dataclasses
from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from gan_graph.data import spec as spec_lib
from gan_graph.nn import ops

v1 = tf.compat.v1

# How a step's inputs are fed: the next real batch and fresh noise; the previous step's feed again
# (the notebook's G step reuses the D step's batch_z); the previous batch with fresh noise (the Keras
# tutorials draw new noise for the G step).
NEW_BATCH, SAME_FEED, NEW_NOISE = 'new_batch', 'same_feed', 'new_noise'
FEEDS = (NEW_BATCH, SAME_FEED, NEW_NOISE)


@dataclasses.dataclass(frozen=True)
class Data:
    """A data input: 'images' (the real examples, in the data spec's shape) or 'labels' (int32);
    `domain` k takes domain k's of a data set of several unpaired domains (a translation model's A, B)."""
    field: str = 'images'
    domain: Optional[int] = None

    def select(self, values):
        """This input's part of stored examples (N, domains, ...), or all of them for one domain."""
        return values if self.domain is None else values[:, self.domain]


@dataclasses.dataclass(frozen=True)
class Noise:
    """A latent input, one vector of `size` per example: 'uniform' in [low, high) (default [-1, 1]) or
    'normal' with mean 0 and `stddev` (default 1; the 3D-GAN: uniform in [0, 1), or N(0, 0.33)).
    The tutorial's loop draws it with numpy and feeds it; the fast loop draws it in the graph, keyed."""
    distribution: str
    size: int
    low: float = -1.0
    high: float = 1.0
    stddev: float = 1.0

    def numpy(self, rng, num):
        """`np.random.uniform(-1, 1, size=(num, z_size))` or `np.random.normal(0, 1, (num, z_size))`."""
        if self.distribution == 'uniform':
            return rng.uniform(self.low, self.high, size=(num, self.size))
        return rng.normal(0, self.stddev, size=(num, self.size))

    def tensor(self, num, seed):
        """The same distribution drawn in the graph, stateless: `seed` (int32 [2]) fixes the draw."""
        if self.distribution == 'uniform':
            return tf.random.stateless_uniform([num, self.size], seed=seed, minval=self.low, maxval=self.high)
        return self.stddev * tf.random.stateless_normal([num, self.size], seed=seed)


@dataclasses.dataclass(frozen=True)
class RandomLabels:
    """Labels 0..num_classes-1 drawn uniformly in the graph, one per example (the cGAN's G step)."""
    num_classes: int

    def tensor(self, num, seed=None, name=None):
        """Stateful (the tutorial's graph) without a seed, stateless with one (the fast loop)."""
        if seed is None:
            return tf.random.uniform([num], 0, self.num_classes, dtype=tf.int32, name=name)
        return tf.random.stateless_uniform([num], seed=seed, minval=0, maxval=self.num_classes, dtype=tf.int32,
                                           name=name)


def placeholder_name(input_name):
    """The tutorials' names: input_real, input_z, input_labels."""
    return f'input_{input_name}'


@dataclasses.dataclass(frozen=True)
class Network:
    """A network as the tutorial writes it: `fn(*inputs, reuse=..., **kwargs)` opening variable scope
    `scope`. per_example: no batch statistics, so real and fake may pass through it as one batch."""
    scope: str
    fn: Callable
    kwargs: dict = dataclasses.field(default_factory=dict)
    per_example: bool = False


@dataclasses.dataclass(frozen=True)
class Loss:
    """`fn(nets, batch) -> scalar`. logged: printed per epoch under `name`, in TensorBoard and in
    train_losses.pkl, in the order the description lists them. metric: a measurement logged beside the
    losses (D's accuracy), which no step minimizes: its epoch line says its name without "Loss"."""
    fn: Callable
    logged: bool = True
    metric: bool = False


@dataclasses.dataclass(frozen=True)
class Step:
    """One optimizer step of an iteration: minimize `loss` over the variables of network `trains` (a
    name, or a tuple of names trained as one: a VAE's encoder and decoder) with optimizer `optimizer`
    (two steps may share one), `repeats` times, on iterations i with i % every == 0, fed as `feed` says.
    after_update(variables) -> op runs after each update in the same run (WGAN's weight clipping).
    gate(nets, batch) -> scalar bool tensor: the update runs only where it is true, decided in the graph
    in the same `sess.run` (the 3D-GAN's "train D only while its accuracy is below 80%")."""
    name: str
    loss: str
    trains: object
    optimizer: str
    repeats: int = 1
    every: int = 1
    feed: str = NEW_BATCH
    after_update: Optional[Callable] = None
    gate: Optional[Callable] = None

    @property
    def networks(self):
        """The names of the networks this step trains."""
        return (self.trains,) if isinstance(self.trains, str) else tuple(self.trains)


@dataclasses.dataclass(frozen=True)
class Sampler:
    """An exported network: what it takes (`inputs`, names of the description's inputs) and how it is
    called to sample (e.g. training=False: batch norm with its moving statistics)."""
    network: str
    inputs: tuple = ('z',)
    call_kwargs: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class EpochRows:
    """What a run keeps each epoch in place of its generator's samples: rows of images that several
    networks make from the same fixed test examples (CycleGAN: a, G(a), F(G(a)), b, F(b), G(F(b))).
    rows(nets, batch) -> a list of tensors, each (examples,) + the data shape, from the data `inputs`
    of the batch; the epoch keeps them one row after another, so a grid `examples` wide shows one row
    a line."""
    rows: Callable
    inputs: tuple
    examples: int = 8


@dataclasses.dataclass
class Description:
    name: str                  # the run's model name, e.g. 'mlp_gan_udacity'
    module: str                # the model module (models.MODELS key); describe(**hparams) rebuilds it
    hparams: dict              # every argument of describe()
    shaping: tuple             # hparams a resumed run must keep (they shape variables or the graph)
    data: spec_lib.DataSpec
    inputs: dict               # name -> Data | Noise | RandomLabels, in the tutorial's placeholder order
    networks: dict             # name -> Network
    losses: dict               # name -> Loss; the faithful graph builds them in this order
    optimizers: dict           # name -> () -> tf.compat.v1.train.Optimizer
    steps: list                # the iteration, in order
    exports: dict              # name -> Sampler; 'generator' is saved as checkpoints/generator.ckpt
    # False: every epoch takes the train set's batches in its stored order from its first example on (Keras
    # loops' `X_train[index*B:(index+1)*B]`), the rest that fills no batch left out; True: shuffled per epoch.
    shuffle: bool = True
    epoch_rows: Optional[EpochRows] = None   # None: each epoch keeps samples of the 'generator' export

    def __post_init__(self):
        for step in self.steps:
            if step.feed not in FEEDS:
                raise ValueError(f'{self.name}: step {step.name} has feed {step.feed!r}, expected one of {FEEDS}')
            named = [('loss', step.loss, self.losses), ('optimizer', step.optimizer, self.optimizers)]
            named += [('network', network, self.networks) for network in step.networks]
            for kind, name, known in named:
                if name not in known:
                    raise ValueError(f'{self.name}: step {step.name} names {kind} {name!r}, not one of {sorted(known)}')

    @property
    def logged_losses(self):
        return [name for name, loss in self.losses.items() if loss.logged]

    @property
    def metric_names(self):
        return {name for name, loss in self.losses.items() if loss.metric}

    @property
    def noise_inputs(self):
        return {name: spec for name, spec in self.inputs.items() if not isinstance(spec, Data)}

    def batches_per_iteration(self):
        """Real batches one pass over the steps takes (WGAN: n_critic)."""
        return sum(step.repeats for step in self.steps if step.feed == NEW_BATCH) or 1


class Batch(dict):
    """The inputs of one step by name, as tensors: batch.real, batch.z, batch.labels."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f'the batch has no input {name!r}; it has {sorted(self)}') from None


class Calls:
    """A description's networks applied to tensors, for loss functions (`nets.generator(z)`).

    The first application of a network creates its variables (reuse=False), later ones reuse them.
    Applying a network again to the same tensors with the same arguments returns the tensors already
    built, as the tutorials' graphs share G(z) between the D loss and the G loss, until `changed(name)`
    says that network's variables have been updated since (the fast loop's chained steps).
    concat_per_example: `on_real_and_fake` passes real and fake through a per-example network as one
    batch (the fast loop); otherwise twice, as the tutorials do.
    updating: the networks whose applications build their batch-norm updates (None: all, as the
    tutorials' graphs do; the others only normalise): inside a tf.function every update built runs, so
    there only the networks the step trains may build them.
    """

    def __init__(self, networks, built, concat_per_example=False, updating=None):
        self._networks, self._built, self._concat = networks, built, concat_per_example
        self.updating = updating
        self._cache = {}       # key -> (outputs, the batch-norm updates it added, whether it skipped some)
        self._recordings = []

    def fresh(self, updating=None):
        """The same networks with no applications to share: for what is built inside a condition's branch,
        whose tensors cannot serve anything outside it. updating: as the constructor's, default this one's."""
        return Calls(self._networks, self._built, self._concat, self.updating if updating is None else updating)

    @contextlib.contextmanager
    def recording(self):
        """Yields a list that, after the block, holds (network name, update ops) of every application
        the block used, built or cached: a step runs the updates of the passes of the network it trains."""
        passes = []
        self._recordings.append(passes)
        try:
            yield passes
        finally:
            self._recordings.remove(passes)

    def updates_recorded(self, name):
        """The updates of the applications of network `name` the innermost recording holds so far."""
        return self.updates_of(self._recordings[-1], (name,)) if self._recordings else []

    @staticmethod
    def updates_of(passes, names):
        """The batch-norm updates of the passes of the networks `names` (a tuple) in `passes`."""
        return [op for network, updates in passes if network in names for op in updates]

    def __getattr__(self, name):
        if name.startswith('_') or name not in self._networks:
            raise AttributeError(f'no network {name!r}; the model has {sorted(self._networks)}')
        return BoundNetwork(self, name)

    def apply(self, name, inputs, call_kwargs):
        key = (name, tuple(tensor_key(tensor) for tensor in inputs), tuple(sorted(call_kwargs.items())))
        wants_updates = self.updating is None or name in self.updating
        if key not in self._cache or (wants_updates and self._cache[key][2]):
            network = self._networks[name]
            reuse = name in self._built
            self._built.add(name)
            with ops.new_update_ops() as updates, ops.updates_after(self.updates_recorded(name)), \
                    contextlib.nullcontext([]) if wants_updates else ops.without_updates() as skipped:
                outputs = network.fn(*inputs, reuse=reuse, **{**network.kwargs, **call_kwargs})
            self._cache[key] = (outputs, updates, bool(skipped))
        outputs, updates, _ = self._cache[key]
        for passes in self._recordings:
            passes.append((name, updates))
        return outputs

    def on_real_and_fake(self, name, real, fake, call_kwargs):
        if not (self._concat and self._networks[name].per_example):
            return self.apply(name, (real,), call_kwargs), self.apply(name, (fake,), call_kwargs)
        both = self.apply(name, (tf.concat([real, fake], 0),), call_kwargs)
        sizes = [tf.shape(real)[0], tf.shape(fake)[0]]
        halves = [tf.split(output, sizes) for output in tf.nest.flatten(both)]
        return tuple(tf.nest.pack_sequence_as(both, [pair[i] for pair in halves]) for i in (0, 1))

    def changed(self, names):
        """The variables of networks `names` (a tuple) were updated: later applications read them anew."""
        self._cache = {key: value for key, value in self._cache.items() if key[0] not in names}


class BoundNetwork:
    def __init__(self, calls, name):
        self.calls, self.name = calls, name

    def __call__(self, *inputs, **call_kwargs):
        return self.calls.apply(self.name, inputs, call_kwargs)

    def on_real_and_fake(self, real, fake, **call_kwargs):
        """(network(real), network(fake)): the tutorials' D built on real, then again on fake with reuse."""
        return self.calls.on_real_and_fake(self.name, real, fake, call_kwargs)


def tensor_key(value):
    return value.ref() if isinstance(value, (tf.Tensor, tf.Variable)) else value


def scope_variables(scope):
    """Trainable variables whose names start with `scope`: how the tutorials build var_lists."""
    return [var for var in v1.trainable_variables() if var.name.startswith(scope)]


def scope_state(scope):
    """All variables under `scope/`, trainable or not (batch-norm statistics too); call it before the
    optimizers exist, or their slots under `scope/` are listed as well."""
    return v1.global_variables(scope=scope + '/')


def sample_labels(num_samples, num_classes):
    """Labels for a conditional sampler: 0, 1, ..., num_classes-1, 0, 1, ... (zeros without classes)."""
    return np.arange(num_samples) % max(num_classes, 1)
