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


def split(batch, count):
    """The batch's inputs split into `count` equal slices along the example axis."""
    slices = {name: tf.split(value, count) for name, value in batch.items()}
    return [d.Batch({name: parts[index] for name, parts in slices.items()}) for index in range(count)]


def averaged(tower_gradients):
    """[(gradient, variable)] of each tower -> [(mean gradient, variable)]."""
    return [(tf.add_n([grad for grad, _ in pairs]) / len(pairs), pairs[0][1]) for pairs in zip(*tower_gradients)]


def tower_losses_on(description, towers, slices, built, names=None, scope='tower'):
    """Each tower's losses `names` (default: all) on its slice of the batch, on its device: ([losses by
    name], [passes by loss name]), one entry per tower."""
    tower_losses, tower_passes = [], []
    for index, (device, tower_batch) in enumerate(zip(towers.devices, slices)):
        with v1.device(placement(device, towers.parameter_device)), tf.name_scope(f'{scope}_{index}'):
            losses, passes = graph_lib.build_losses(description, d.Calls(description.networks, built), tower_batch,
                                                    names)
        tower_losses.append(losses)
        tower_passes.append(passes)
    return tower_losses, tower_passes


def build(description, towers):
    """The tutorial's graph of `description`, its steps data parallel over `towers`; the same
    TrainingGraph the single-device build returns (logged losses: the towers' mean). A gated step's
    gate is built once on the whole batch (on the first tower's device); its towers' losses are built
    again inside the condition, as the single-device build does."""
    placeholders, batch = graph_lib.model_inputs(description)
    built = set()
    slices = split(batch, towers.count)
    tower_losses, tower_passes = tower_losses_on(description, towers, slices, built)
    losses = {name: tf.add_n([losses[name] for losses in tower_losses]) / towers.count for name in description.losses}
    variables, export_state = graph_lib.network_state(description)
    optimizers, train_ops = {}, {}
    for step in description.steps:
        optimizer = graph_lib.optimizer_of(description, optimizers, step)
        step_variables = graph_lib.step_variables(variables, step)
        if step.gate is None:
            train_ops[step.name] = train_op(step, optimizer, towers, tower_losses, tower_passes, step_variables)
            continue
        with v1.device(placement(towers.devices[0], towers.parameter_device)):
            condition = step.gate(d.Calls(description.networks, built), batch)
        train_ops[step.name] = graph_lib.conditional(condition, lambda step=step, optimizer=optimizer,
                                                     step_variables=step_variables: train_op(
            step, optimizer, towers, *tower_losses_on(description, towers, slices, built, [step.loss], 'gated'),
            step_variables))
    with tf.device(towers.devices[0]):
        calls = d.Calls(description.networks, built)
        samplers = {name: graph_lib.sampler_output(description, calls, sampler, batch)
                    for name, sampler in description.exports.items()}
    return graph_lib.TrainingGraph(description, placeholders, batch, losses, train_ops, variables, export_state,
                                   samplers, optimizers, built)


def train_op(step, optimizer, towers, tower_losses, tower_passes, variables):
    """Each tower's gradients on its device, their mean applied once on the parameter device after the
    first tower's batch-norm updates; then `after_update`."""
    tower_gradients = []
    for device, losses in zip(towers.devices, tower_losses):
        with v1.device(placement(device, towers.parameter_device)):
            tower_gradients.append(optimizer.compute_gradients(losses[step.loss], var_list=variables,
                                                               colocate_gradients_with_ops=True))
    updates = d.Calls.updates_of(tower_passes[0][step.loss], step.networks)
    with tf.device(towers.parameter_device), tf.control_dependencies(updates):
        op = optimizer.apply_gradients(averaged(tower_gradients))
    if step.after_update is not None:
        with tf.control_dependencies([op]):
            op = step.after_update(variables)
    return op
