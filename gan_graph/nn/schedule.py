"""A learning rate that stays constant, then decays linearly to 0, counted in the graph.

The count of iterations trained is a checkpointed variable, so a resumed run carries on down the same
line. The last step of an iteration counts it (`count_iteration` as its after_update); the optimizers
read it when they apply their updates.
"""
import tensorflow as tf

v1 = tf.compat.v1

SCOPE = 'learning_rate_schedule'


def iteration_counter():
    """The iterations trained so far, a variable shared by every optimizer's schedule."""
    with v1.variable_scope(SCOPE, reuse=v1.AUTO_REUSE):
        return v1.get_variable('iteration', [], tf.int64, initializer=v1.zeros_initializer(), trainable=False)


def count_iteration(variables):
    """after_update of the iteration's last step."""
    del variables
    return iteration_counter().assign_add(1).op


def linear_decay(base, decay_start, decay_iterations):
    """base until iteration `decay_start`, then linearly down to 0 over `decay_iterations` (the CycleGAN
    authors' 'linear' policy, per iteration instead of per epoch); 0 iterations: base throughout."""
    if not decay_iterations:
        return base
    done = tf.cast(iteration_counter(), tf.float32) - decay_start
    return base * (1.0 - tf.clip_by_value(done / decay_iterations, 0.0, 1.0))


def decaying_over_last_epochs(epochs, decay_epochs, iterations_per_epoch):
    """(decay_start, decay_iterations) for a decay over the run's last `decay_epochs` epochs."""
    decay_epochs = min(decay_epochs, epochs)
    return (epochs - decay_epochs) * iterations_per_epoch, decay_epochs * iterations_per_epoch
