"""Data parallel in one graph: the batch split over towers, each tower's gradients averaged, applied once.

As TF1's multi-GPU code does it (in-graph replication): every tower applies the model's networks (the
variables, created by the first tower, live on one parameter device) to its slice of the batch and
computes its gradients on its own device; each step averages the towers' gradients and applies them
with one optimizer update. A run with N towers at global batch B therefore follows the mathematics of
one device at batch B for a model whose losses are means over examples with no batch statistics (up
to the order of float sums). With batch norm each tower normalises with its own slice's statistics,
and the moving averages follow the first tower's, as TF1's multi-GPU tutorials keep them.
"""
import dataclasses

import tensorflow as tf

from gan_graph.models import description as d
from gan_graph.train import graph as graph_lib

v1 = tf.compat.v1
VARIABLE_OPS = ('Variable', 'VariableV2', 'VarHandleOp')


@dataclasses.dataclass(frozen=True)
class Towers:
    devices: tuple            # one device per tower, e.g. ('/device:CPU:0', '/device:CPU:1')
    parameter_device: str     # where the variables (and the optimizer's slots) live

    @property
    def count(self):
        return len(self.devices)


def local(count, kind='CPU'):
    """`count` towers on this machine's devices of `kind`, the variables on the first."""
    devices = tuple(f'/device:{kind}:{index}' for index in range(count))
    return Towers(devices, devices[0])


def placement(device, parameter_device):
    """A device function: variables on the parameter device, every other op on `device`."""
    def place(op):
        return parameter_device if op.type in VARIABLE_OPS else device
    return place


class Slicer:
    """Splits batches into equal slices along the example axis, one per tower, each input tensor once:
    steps on one batch (or on its images with fresh noise) get the same slices, so they share the network
    applications on them, as one device's steps share G(z)."""

    def __init__(self, count, names):
        self.count, self.names, self._parts = count, names, {}

    def __call__(self, batch):
        for name in self.names:
            if batch[name].ref() not in self._parts:
                self._parts[batch[name].ref()] = tf.split(batch[name], self.count)
        return [d.Batch({name: self._parts[batch[name].ref()][index] for name in self.names})
                for index in range(self.count)]


def averaged(tower_gradients):
    """[(gradient, variable)] of each tower -> [(mean gradient, variable)]."""
    return [(tf.add_n([grad for grad, _ in pairs]) / len(pairs), pairs[0][1]) for pairs in zip(*tower_gradients)]


def tower_losses_on(description, towers, slices, tower_calls, names=None, scope='tower'):
    """Each tower's losses `names` (default: all) on its slice of the batch, on its device, through its
    own Calls: ([losses by name], [passes by loss name]), one entry per tower."""
    tower_losses, tower_passes = [], []
    for index, (device, tower_batch, calls) in enumerate(zip(towers.devices, slices, tower_calls)):
        with v1.device(placement(device, towers.parameter_device)), tf.name_scope(f'{scope}_{index}'):
            losses, passes = graph_lib.build_losses(description, calls, tower_batch, names)
        tower_losses.append(losses)
        tower_passes.append(passes)
    return tower_losses, tower_passes


def gated(towers, tower_calls, step, batch, build_update):
    """`build_update(tower_calls)`, under the step's gate if it has one: the gate decided once on the
    whole batch on the first tower's device (building no batch-norm updates), the towers' update built
    inside the condition on fresh Calls (tensors built in a branch cannot serve later steps)."""
    if step.gate is None:
        return build_update(tower_calls)
    with v1.device(placement(towers.devices[0], towers.parameter_device)):
        condition = step.gate(tower_calls[0].fresh(updating=()), batch)
    return graph_lib.conditional(condition, lambda: build_update([calls.fresh() for calls in tower_calls]))


def step_update(description, optimizer, variables, towers, tower_calls, step, slices,
                gate_gradients=graph_lib.FAITHFUL_GATING):
    """The train op of `step`, its loss built on each tower's slice through that tower's Calls."""
    tower_losses, tower_passes = tower_losses_on(description, towers, slices, tower_calls, [step.loss])
    return train_op(step, optimizer, towers, tower_losses, tower_passes, variables, gate_gradients)


def build(description, towers):
    """The tutorial's graph of `description`, its steps data parallel over `towers`; the same
    TrainingGraph the single-device build returns (logged losses: the towers' mean), which names the
    towers for the fast loops' chains."""
    placeholders, batch = graph_lib.model_inputs(description)
    built = set()
    slices = Slicer(towers.count, list(batch))(batch)
    tower_calls = [d.Calls(description.networks, built) for _ in towers.devices]
    tower_losses, tower_passes = tower_losses_on(description, towers, slices, tower_calls)
    losses = {name: tf.add_n([losses[name] for losses in tower_losses]) / towers.count for name in description.losses}
    variables, export_state = graph_lib.network_state(description)
    optimizers, train_ops = {}, {}
    for step in description.steps:
        optimizer = graph_lib.optimizer_of(description, optimizers, step)
        step_variables = graph_lib.step_variables(variables, step)
        if step.gate is None:
            train_ops[step.name] = train_op(step, optimizer, towers, tower_losses, tower_passes, step_variables)
        else:
            train_ops[step.name] = gated(towers, tower_calls, step, batch, lambda fresh, step=step, optimizer=optimizer,
                                         step_variables=step_variables: step_update(
                description, optimizer, step_variables, towers, fresh, step, slices))
    with tf.device(towers.devices[0]):
        calls = d.Calls(description.networks, built)
        samplers = {name: graph_lib.sampler_output(description, calls, sampler, batch)
                    for name, sampler in description.exports.items()}
        epoch_samples = graph_lib.epoch_samples(description, calls, batch, samplers)
    return graph_lib.TrainingGraph(description, placeholders, batch, losses, train_ops, variables, export_state,
                                   samplers, epoch_samples, optimizers, built, towers)


def train_op(step, optimizer, towers, tower_losses, tower_passes, variables, gate_gradients=graph_lib.FAITHFUL_GATING):
    """Each tower's gradients on its device, their mean applied once on the parameter device after the
    first tower's batch-norm updates; then `after_update`."""
    tower_gradients = []
    for device, losses in zip(towers.devices, tower_losses):
        with v1.device(placement(device, towers.parameter_device)):
            tower_gradients.append(optimizer.compute_gradients(losses[step.loss], var_list=variables,
                                                               gate_gradients=gate_gradients,
                                                               colocate_gradients_with_ops=True))
    updates = d.Calls.updates_of(tower_passes[0][step.loss], step.networks)
    with tf.device(towers.parameter_device), tf.control_dependencies(updates):
        op = optimizer.apply_gradients(averaged(tower_gradients))
    if step.after_update is not None:
        with tf.control_dependencies([op]):
            op = step.after_update(variables)
    return op
