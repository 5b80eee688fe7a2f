"""The fast training path, built from the same description as the tutorial's graph.

The faithful loop feeds numpy batches and runs each step as its own `sess.run`. Here whole iterations
(every step of the description, with its repeats) are chained in one op:
- each step's loss is built again under a control dependency on the previous step's update, so it
  reads the variables as the next `sess.run` of the tutorial's loop would; network applications whose
  variables no step has changed since are shared (the notebook's G(z) serves the D and the G step),
  and a per-example network sees real and fake as one batch (fewer, larger matrix products);
- each step runs the batch-norm updates of the passes of the network it trains, as its train op does
  in the tutorial's graph;
- gradients are not gated per op (graph.FAST_GATING): a step computes only the products it needs;
- the batches come from a source: fed placeholders (`fused`: one `sess.run` per iteration), or the
  in-graph input (`in_graph`): the training images in a local variable, shuffled per epoch in the
  graph, batch b of the epoch taking rows order[b*B:(b+1)*B], and the noise drawn in the graph with
  stateless draws keyed by (seed, epoch, batch), so a resumed run continues exactly as the
  uninterrupted run would have;
- a step with every > 1 runs under a condition on the iteration's index.
"""
import dataclasses

import numpy as np
import tensorflow as tf

from gan_graph.models import description as d
from gan_graph.train import graph as graph_lib, towers as towers_lib

v1 = tf.compat.v1
EPOCH_STRIDE = 2**20   # batch keys: epoch * EPOCH_STRIDE + batch index within the epoch
KEY = '_key'           # where an in-graph batch keeps its key, for drawing fresh noise on it


def local_variable(initial_value, name, **kwargs):
    """Not in the checkpoints: input data and scratch state of the fast loop."""
    return v1.Variable(initial_value, trainable=False, collections=[v1.GraphKeys.LOCAL_VARIABLES], name=name,
                       **kwargs)


class FeedSource:
    """Batches as placeholders, fed from numpy in the order the tutorial's loop draws them."""

    def __init__(self, description):
        self.description = description
        self.draws = []   # (step, kind, {input name: placeholder}) in draw order; kind 'batch' or 'noise'
        self.step = None  # the step whose inputs are drawn next

    def noise(self, data):
        """Placeholders for the fed noise, and the labels drawn in the graph, for a batch of `data`."""
        num = tf.shape(next(iter(data.values())))[0]
        placeholders = {name: graph_lib.input_placeholder(self.description, name)
                        for name, spec in self.description.inputs.items() if isinstance(spec, d.Noise)}
        drawn = {name: spec.tensor(num) for name, spec in self.description.inputs.items()
                 if isinstance(spec, d.RandomLabels)}
        return placeholders, drawn

    def new_batch(self, offset):
        data = {name: graph_lib.input_placeholder(self.description, name)
                for name, spec in self.description.inputs.items() if isinstance(spec, d.Data)}
        noise, drawn = self.noise(data)
        self.draws.append((self.step, 'batch', {**data, **noise}))
        return d.Batch({**data, **noise, **drawn})

    def refresh_noise(self, batch, count):
        data = {name: batch[name] for name, spec in self.description.inputs.items() if isinstance(spec, d.Data)}
        noise, drawn = self.noise(data)
        self.draws.append((self.step, 'noise', noise))
        return d.Batch({**batch, **noise, **drawn})


class InGraphSource:
    """Batches gathered from the in-graph data, noise drawn in the graph keyed by (seed, epoch, batch)."""

    def __init__(self, description, data, first_batch, batch_size, seed):
        self.description, self.data = description, data
        self.first_batch, self.batch_size, self.seed = first_batch, batch_size, seed

    def batch_key(self, offset):
        return tf.stack([self.seed, self.data.epoch * EPOCH_STRIDE + self.first_batch + offset])

    def noise(self, key):
        """The first noise input drawn with `key` itself, others with keys folded from it."""
        drawn = {}
        for index, (name, spec) in enumerate(self.description.noise_inputs.items()):
            seed = key if index == 0 else tf.random.experimental.stateless_fold_in(key, 2**16 + index)
            drawn[name] = spec.tensor(self.batch_size, seed)
        return drawn

    def new_batch(self, offset):
        rows = self.data.order[(self.first_batch + offset) * self.batch_size:
                               (self.first_batch + offset + 1) * self.batch_size]
        data = {name: spec.select(self.gather(spec.field, rows)) for name, spec in self.description.inputs.items()
                if isinstance(spec, d.Data)}
        key = self.batch_key(offset)
        return d.Batch({**data, **self.noise(key), KEY: key})

    def gather(self, field, rows):
        """Rows of the in-graph array, with the batch's static shape (the slice of `order` has none)."""
        values = tf.gather(self.data.arrays[field], rows)
        values.set_shape((self.batch_size,) + tuple(values.shape[1:]))
        return values

    def refresh_noise(self, batch, count):
        """The n-th fresh noise on a batch is keyed by the batch's key folded with n."""
        return d.Batch({**batch, **self.noise(tf.random.experimental.stateless_fold_in(batch[KEY], count))})


def draw_batches(description, source, iterations):
    """The batch of every step run of `iterations` passes over the steps (with their repeats), drawn from
    `source` in the order the tutorial's loop draws them."""
    batches, batch, offset, refreshes = [], None, 0, 0
    for _ in range(iterations):
        for step in description.steps:
            source.step = step
            for _ in range(step.repeats):
                if step.feed == d.NEW_BATCH or batch is None:
                    batch, refreshes = source.new_batch(offset), 0
                    offset += 1
                elif step.feed == d.NEW_NOISE:
                    refreshes += 1
                    batch = source.refresh_noise(batch, refreshes)
                batches.append(batch)
    return batches


def chain(training_graph, batches, iterations, first_iteration=None):
    """`iterations` passes over the description's steps as one op, step run n on `batches[n]`, data
    parallel over the training graph's towers if it has them. A step's applications of the networks it
    does not train build no batch-norm updates: no step would run them.

    first_iteration: int32 tensor, the global index of the first iteration (for steps with every > 1).
    """
    description = training_graph.description
    towers = training_graph.towers
    tower_calls = [d.Calls(description.networks, training_graph.built, concat_per_example=True)
                   for _ in (towers.devices if towers else [None])]
    # Split before any step: slices built inside a condition's branch could not serve later steps.
    slicer = towers_lib.Slicer(towers.count, list(description.inputs)) if towers else None
    previous, runs = [], iter([(batch, slicer(batch) if towers else None) for batch in batches])
    for iteration in range(iterations):
        for step in description.steps:
            for calls in tower_calls:
                calls.updating = step.networks
            for _ in range(step.repeats):
                with tf.control_dependencies(previous):
                    op = step_op(training_graph, tower_calls, step, *next(runs), iteration, first_iteration)
                for calls in tower_calls:
                    calls.changed(step.networks)
                previous = [op]
    return previous[0]


def compiled_chain(training_graph, batches, iterations, first_iteration):
    """The chain as one XLA computation (`tf.function(jit_compile=True)`): only the steps' mathematics and
    updates; the batches, gathered from the in-graph data and drawn outside it, come in as arguments
    (a gather from the whole train set inside the computation costs more than the steps). A tensor that
    serves several steps (a batch's images under fresh noise) is one argument, so the steps still share
    the network applications on it."""
    inputs = list({tensor.ref(): tensor for batch in batches for tensor in batch.values()}.values())

    @tf.function(jit_compile=True, autograph=False)
    def run(first_iteration, *arguments):
        by_ref = {tensor.ref(): argument for tensor, argument in zip(inputs, arguments)}
        inner = [d.Batch({name: by_ref[tensor.ref()] for name, tensor in batch.items()}) for batch in batches]
        with tf.control_dependencies([chain(training_graph, inner, iterations, first_iteration)]):
            return tf.constant(True)
    return run(first_iteration, *inputs).op


def step_op(training_graph, tower_calls, step, batch, slices, iteration, first_iteration):
    def update(tower_calls):
        return gated_update(training_graph, tower_calls, step, batch, slices)
    if step.every == 1:
        return update(tower_calls)
    if first_iteration is None:
        raise ValueError(f'step {step.name} runs every {step.every} iterations: the chain needs the iteration index')
    due = tf.equal((first_iteration + iteration) % step.every, 0)
    # Built inside the condition's branch: its tensors cannot serve later steps, so it shares none.
    return graph_lib.conditional(due, lambda: update([calls.fresh() for calls in tower_calls]))


def gated_update(training_graph, tower_calls, step, batch, slices):
    """The step's update on `batch` under its gate: on one device, or over the towers on their `slices`."""
    description, towers = training_graph.description, training_graph.towers
    if towers is None:
        return graph_lib.gated(tower_calls[0], step, batch, lambda calls: graph_lib.step_update(
            description, training_graph.optimizers, training_graph.variables, calls, step, batch,
            graph_lib.FAST_GATING))
    optimizer = training_graph.optimizers[step.optimizer]
    variables = graph_lib.step_variables(training_graph.variables, step)
    return towers_lib.gated(towers, tower_calls, step, batch, lambda fresh: towers_lib.step_update(
        description, optimizer, variables, towers, fresh, step, slices, graph_lib.FAST_GATING))


@dataclasses.dataclass
class InGraphData:
    """The train set held in the graph, with a per-epoch shuffled order."""
    epoch: tf.Tensor          # int32 placeholder: the epoch whose order `shuffle` draws
    arrays: dict              # 'images' (and 'labels') local variables
    order: tf.Variable
    shuffle: tf.Operation
    initial_values: dict      # placeholders the arrays are initialised from (not graph constants)
    num_examples: int


def in_graph_data(description, num_examples, seed):
    """Each epoch's order is a stateless shuffle keyed by (seed, epoch)."""
    epoch = v1.placeholder(tf.int32, (), name='epoch')
    fields = {spec.field for spec in description.inputs.values() if isinstance(spec, d.Data)}
    spec = description.data
    initial_values = {'images': v1.placeholder(tf.float32, (num_examples,) + spec.stored_shape, name='train_images')}
    if 'labels' in fields:
        initial_values['labels'] = v1.placeholder(tf.int32, (num_examples,) + spec.domain_axes,
                                                  name='train_labels')
    arrays = {field: local_variable(value, name=f'{field}_in_graph') for field, value in initial_values.items()}
    order = local_variable(tf.range(num_examples), name='train_order')
    keys = tf.random.stateless_uniform([num_examples], seed=tf.stack([seed, epoch]), dtype=tf.int32,
                                       minval=None, maxval=None)
    shuffle = order.assign(tf.argsort(keys, stable=True)).op
    return InGraphData(epoch, arrays, order, shuffle, initial_values, num_examples)


@dataclasses.dataclass
class Chains:
    """Ops that run `count` consecutive iterations from batch `first_batch` of the epoch on."""
    first_batch: tf.Tensor      # int32 placeholder: the epoch's batch index of the run's first batch
    first_iteration: tf.Tensor  # int32 placeholder: the run's first iteration, counted over the whole run
    run_ops: dict               # count -> op
    last_batch: dict            # input name -> local variable: the last batch, to evaluate the losses on


def build_in_graph_chains(training_graph, data, batch_size, counts, seed, xla=False):
    """Chained iterations for each count in `counts` (e.g. steps_per_run, and 1 for an epoch's rest)."""
    description = training_graph.description
    first_batch = v1.placeholder(tf.int32, (), name='first_batch')
    first_iteration = v1.placeholder(tf.int32, (), name='first_iteration')
    last_batch = {name: local_variable(tf.zeros((batch_size,) + tuple(placeholder.shape[1:]), placeholder.dtype),
                                       name=f'last_{name}')
                  for name, placeholder in training_graph.placeholders.items()}
    run_ops = {}
    for count in sorted(set(counts)):
        batches = draw_batches(description, InGraphSource(description, data, first_batch, batch_size, seed), count)
        op = (compiled_chain if xla else chain)(training_graph, batches, count, first_iteration)
        with tf.control_dependencies([op]):
            run_ops[count] = tf.group(*[last_batch[name].assign(batches[-1][name]) for name in last_batch])
    return Chains(first_batch, first_iteration, run_ops, last_batch)


def initial_feed(data, train_set):
    feed = {data.initial_values['images']: np.asarray(train_set.all_images, np.float32)}
    if 'labels' in data.initial_values:
        feed[data.initial_values['labels']] = np.asarray(train_set.all_labels, np.int32)
    return feed
