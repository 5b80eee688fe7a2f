"""The tutorial's graph, built from a model description.

Placeholders named as in the tutorials (input_real, input_z, input_labels), in-graph draws where the
tutorial drew in the graph, the losses in the description's order (networks built once, then again
with reuse=True), one optimizer per name over scope-filtered variable lists, one train op per step
(each runs the batch-norm updates of the passes of the network it trains), and the exported samplers.
The faithful loop runs these train ops one `sess.run` each; every loop evaluates the logged losses and
draws samples with them.
"""
import dataclasses

import numpy as np
import tensorflow as tf

from gan_graph.models import description as d

v1 = tf.compat.v1
# The tutorials' minimize() gates each op's gradients: both products of a MatMul's or a convolution's
# gradient are computed even where the step needs one (the G step's D weight gradients, the D step's
# gradient on D's input). The fast loops gate none: the same values, fewer products (resource
# variables: an update never changes what a gradient already read).
FAITHFUL_GATING = v1.train.Optimizer.GATE_OP
FAST_GATING = v1.train.Optimizer.GATE_NONE


@dataclasses.dataclass
class TrainingGraph:
    description: d.Description
    placeholders: dict     # input name -> placeholder (the fed inputs)
    batch: d.Batch         # input name -> tensor (placeholders and in-graph draws)
    losses: dict           # loss name -> scalar tensor
    train_ops: dict        # step name -> op
    variables: dict        # network name -> its trainable variables (the optimizers' var_list)
    export_state: dict     # export name -> every variable of its network (batch-norm statistics too)
    samplers: dict         # export name -> samples tensor, shaped (N,) + the data spec's shape
    epoch_samples: object  # what each epoch keeps: the 'generator' sampler's tensor, or the description's rows
    optimizers: dict       # optimizer name -> optimizer
    built: set             # networks whose variables exist: later builds reuse them
    towers: object = None  # train/towers.Towers the steps are data parallel over; None: one device

    @property
    def logged_losses(self):
        return [self.losses[name] for name in self.description.logged_losses]


def input_placeholder(description, name):
    """The fed input `name` (a data batch, its labels, or noise), named as the tutorials name it."""
    spec = description.inputs[name]
    if isinstance(spec, d.Noise):
        shape, dtype = (None, spec.size), tf.float32
    elif spec.field == 'labels':
        shape, dtype = (None,), tf.int32
    else:
        shape, dtype = (None,) + description.data.shape, tf.float32
    return v1.placeholder(dtype, shape, name=d.placeholder_name(name))


def model_inputs(description):
    """Placeholders for data and noise, in the description's order; random labels drawn in the graph."""
    placeholders, batch = {}, d.Batch()
    for name, spec in description.inputs.items():
        if isinstance(spec, (d.Data, d.Noise)):
            placeholders[name] = input_placeholder(description, name)
        batch[name] = placeholders.get(name)
    labels = next((batch[name] for name, spec in description.inputs.items()
                   if isinstance(spec, d.Data) and spec.field == 'labels'), None)
    for name, spec in description.inputs.items():
        if isinstance(spec, d.RandomLabels):
            batch[name] = spec.tensor(tf.shape(labels)[0], name=name)
    return placeholders, batch


def train_op(step, optimizer, loss, variables, updates, gate_gradients=FAITHFUL_GATING):
    """optimizer.minimize(loss, var_list) after the step's batch-norm updates, then `after_update`."""
    with tf.control_dependencies(updates):
        op = optimizer.minimize(loss, var_list=variables, gate_gradients=gate_gradients)
    if step.after_update is not None:
        with tf.control_dependencies([op]):
            op = step.after_update(variables)
    return op


def step_variables(training_graph_variables, step):
    """The var_list of `step`: the trainable variables of every network it trains."""
    return [var for network in step.networks for var in training_graph_variables[network]]


def step_update(description, optimizers, variables, calls, step, batch, gate_gradients=FAITHFUL_GATING):
    """The train op of `step` with its loss built on `batch` through `calls`."""
    with calls.recording() as passes:
        loss = description.losses[step.loss].fn(calls, batch)
    return train_op(step, optimizers[step.optimizer], loss, step_variables(variables, step),
                    calls.updates_of(passes, step.networks), gate_gradients)


def conditional(condition, build_update):
    """The op that runs the update `build_update()` builds only where the bool tensor `condition` is."""
    return tf.cond(condition, lambda: done_after(build_update()), lambda: tf.constant(False)).op


def done_after(op):
    """A tensor that is ready once `op` ran: what a cond branch can return."""
    with tf.control_dependencies([op]):
        return tf.constant(True)


def gated(calls, step, batch, build_update):
    """The step's update, under its gate if it has one. The gate, and the update inside the condition,
    are built on their own Calls: tensors built in a branch cannot serve later steps. The gate's
    network applications build no batch-norm updates: no step runs them."""
    if step.gate is None:
        return build_update(calls)
    condition = step.gate(calls.fresh(updating=()), batch)
    return conditional(condition, lambda: build_update(calls.fresh()))


def build_losses(description, calls, batch, names=None):
    """The losses `names` (default: every loss, in the description's order) on `batch`; (losses, the
    network passes each used)."""
    losses, passes = {}, {}
    for name in description.losses if names is None else names:
        with calls.recording() as passes[name]:
            losses[name] = description.losses[name].fn(calls, batch)
    return losses, passes


def network_state(description):
    """(network -> its trainable variables, export -> every variable of its network); call it once the
    networks exist and before the optimizers do."""
    variables = {name: d.scope_variables(network.scope) for name, network in description.networks.items()}
    export_state = {name: d.scope_state(description.networks[sampler.network].scope)
                    for name, sampler in description.exports.items()}
    return variables, export_state


def optimizer_of(description, optimizers, step):
    """The step's optimizer, made when a step first names it (two steps may share one)."""
    if step.optimizer not in optimizers:
        optimizers[step.optimizer] = description.optimizers[step.optimizer]()
    return optimizers[step.optimizer]


def build(description):
    """Build the tutorial's graph of `description` in the default graph."""
    placeholders, batch = model_inputs(description)
    built = set()
    calls = d.Calls(description.networks, built)
    losses, passes = build_losses(description, calls, batch)
    variables, export_state = network_state(description)
    optimizers, train_ops = {}, {}
    for step in description.steps:
        if step.gate is None:
            train_ops[step.name] = train_op(step, optimizer_of(description, optimizers, step), losses[step.loss],
                                            step_variables(variables, step),
                                            calls.updates_of(passes[step.loss], step.networks))
        else:
            optimizer_of(description, optimizers, step)
            train_ops[step.name] = gated(calls, step, batch, lambda calls, step=step: step_update(
                description, optimizers, variables, calls, step, batch))
    samplers = {name: sampler_output(description, calls, sampler, batch) for name, sampler in description.exports.items()}
    return TrainingGraph(description, placeholders, batch, losses, train_ops, variables, export_state, samplers,
                         epoch_samples(description, calls, batch, samplers), optimizers, built)


def sampler_output(description, calls, sampler, inputs):
    outputs = calls.apply(sampler.network, [inputs[name] for name in sampler.inputs], sampler.call_kwargs)
    return tf.reshape(outputs, (-1,) + description.data.shape)


def epoch_samples(description, calls, batch, samplers):
    """What each epoch keeps: the generator's samples, or the description's rows, one after another."""
    if description.epoch_rows is None:
        return samplers['generator']
    rows = description.epoch_rows.rows(calls, batch)
    return tf.reshape(tf.concat(rows, 0), (-1,) + description.data.shape)


def epoch_feed(description, placeholders, rng, num_samples, examples=None):
    """The feed of `epoch_samples`: `sampler_feed`'s for the generator, or the first `examples` of the
    stored examples for each input of the description's rows."""
    rows = description.epoch_rows
    if rows is None:
        return sampler_feed(description, placeholders, rng, num_samples, examples=examples)
    return sampler_feed(description, placeholders, rng, rows.examples, examples=examples, inputs=rows.inputs)


def build_sampler(description, export='generator'):
    """The exported network alone, for restoring its checkpoint: (placeholders by input name, samples)."""
    sampler = description.exports[export]
    placeholders = {name: input_placeholder(description, name) for name in sampler.inputs}
    calls = d.Calls(description.networks, set())
    return placeholders, sampler_output(description, calls, sampler, placeholders)


def translates_data(description, export='generator'):
    """Whether the exported network takes data images (a translation model's generator), not noise."""
    return any(isinstance(spec, d.Data) and spec.field == 'images'
               for spec in (description.inputs[name] for name in description.exports[export].inputs))


def sampler_feed(description, placeholders, rng, num_samples, labels=None, export='generator', examples=None,
                 inputs=None):
    """Noise from `rng` for each noise input, labels (default 0, 1, ..., 9, 0, ...) for a label input,
    and for a data input its part of the first `num_samples` of `examples` (stored images, as a data
    set's `all_images`: a translation model's fixed inputs). inputs: the names to feed, default the
    export's."""
    feed = {}
    for name in inputs or description.exports[export].inputs:
        spec = description.inputs[name]
        if isinstance(spec, d.Noise):
            feed[placeholders[name]] = spec.numpy(rng, num_samples)
        elif spec.field == 'images':
            if examples is None or len(examples) < num_samples:
                raise ValueError(f'{description.name} translates its data input {name!r}: '
                                 f'it needs {num_samples} examples to translate, got '
                                 f'{"none" if examples is None else len(examples)}')
            feed[placeholders[name]] = spec.select(examples[:num_samples])
        else:
            feed[placeholders[name]] = (d.sample_labels(num_samples, description.data.num_classes) if labels is None
                                        else np.asarray(labels))
    return feed
