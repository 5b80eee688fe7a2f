"""A network's exponential moving average, as StyleGAN's Gs: twin variables `<average scope>/<name>`
beside the trained network's, starting from its initial values, updated by one op after its steps.

The trained network is built under `with_twins(scope)` (every variable it creates gets its twin); the
averaged one is the same function built under `averaged(scope)`, which reuses the twins in training and
creates them when a checkpoint is sampled alone.
"""
import tensorflow as tf

v1 = tf.compat.v1


def twin_getter(scope):
    """A custom getter giving every variable it creates its twin `<scope>/<name>`, non-trainable,
    initialised from the same tensor (one draw in the one run of the initialisers: the same values)."""
    def getter_with_twin(getter, name, *args, **kwargs):
        var = getter(name, *args, **kwargs)
        twin = {**kwargs, 'trainable': False, 'collections': None}
        if not kwargs.get('reuse'):
            twin.update(initializer=var.initial_value, shape=None)
        getter(f'{scope}/{name}', *args, **twin)
        return var
    return getter_with_twin


def non_trainable_getter(getter, name, *args, **kwargs):
    return getter(name, *args, **{**kwargs, 'trainable': False})


def with_twins(scope):
    """Where the trained network is built (from the root): its variables come with twins in `scope`."""
    return v1.variable_scope(v1.get_variable_scope(), custom_getter=twin_getter(scope), auxiliary_name_scope=False)


def averaged(scope):
    """Where the averaged network is built: the same functions under `scope`, non-trainable, created where
    they do not exist (sampling from a checkpoint) and reused where the twins were made."""
    return v1.variable_scope(scope, reuse=v1.AUTO_REUSE, custom_getter=non_trainable_getter)


def moving_average(scope, beta):
    """The op average <- trained + (average - trained) * beta for the trained variables, copies of the
    others (batch-norm statistics, StyleGAN's dlatent_avg), as the reference's
    Gs.setup_as_moving_average_of(G, beta, beta_nontrainable=0)."""
    sources = {var.op.name: var for var in v1.global_variables()}
    trainable = {var.op.name for var in v1.trainable_variables()}
    updates = []
    for average_var in v1.global_variables(scope + '/'):
        name = average_var.op.name[len(scope) + 1:]
        trained_var = sources[name]
        rate = beta if name in trainable else 0.0
        updates.append(average_var.assign(trained_var + (average_var - trained_var) * rate))
    return tf.group(*updates, name=f'{scope}_update')


def update_after_step(scope, beta):
    """A step's after_update (its `variables` unused): the moving average of `scope`, after the update."""
    return lambda variables: moving_average(scope, beta)


def half_life_beta(batch_size, half_life_kimg):
    """The beta that halves an old value's weight every `half_life_kimg` thousand examples trained."""
    return 0.5 ** (batch_size / (half_life_kimg * 1000.0))
