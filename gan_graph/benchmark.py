"""Seconds per epoch of the training loops, and how close they come to the machine's matmul rate.

FLOPs are counted the same way for every loop, so the numbers compare: TensorFlow's registered FLOP
counts (what its profiler sums) of the operations one chained in-graph iteration runs (every step's
forward and backward passes, with the tutorial's shared G(z) computed once); the faithful loop does that
work and some more.
"""
import collections
import dataclasses
import statistics
import time

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import ops as ops_lib

from gan_graph.train import (cluster as cluster_lib, devices, graph as graph_lib, interrupt, local_cluster,
                             loop as train, progress, session, steps)

v1 = tf.compat.v1


@dataclasses.dataclass
class LoopSetting:
    loop: str = 'faithful'
    steps_per_run: int = 1
    xla: bool = False
    intra_op_threads: int = 0
    inter_op_threads: int = 0
    bf16: bool = False
    replicas: int = 1         # local towers (train/towers.py)
    workers: int = 0          # > 0: one tower per worker of a cluster of in-process servers on loopback

    @property
    def label(self):
        text = (self.loop + (f' x{self.steps_per_run}' if self.steps_per_run > 1 else '') + (' +xla' if self.xla else '')
                + (' +bf16' if self.bf16 else ''))
        if self.intra_op_threads or self.inter_op_threads:
            text += f' threads {self.intra_op_threads}/{self.inter_op_threads}'
        if self.replicas > 1:
            text += f', {self.replicas} replicas'
        if self.workers:
            text += f', {self.workers} worker{"s" if self.workers > 1 else ""}'
        return text


def parse_setting(text):
    """'in_graph:10:xla:threads=2/1' -> LoopSetting."""
    loop, *options = text.split(':')
    if loop not in train.LOOPS:
        raise ValueError(f'--settings: loop must be one of {train.LOOPS}, got {loop!r} in {text!r}')
    setting = LoopSetting(loop=loop)
    for option in options:
        if option == 'xla':
            setting.xla = True
        elif option == 'bf16':
            setting.bf16 = True
        elif option.startswith('threads='):
            setting.intra_op_threads, setting.inter_op_threads = map(int, option[len('threads='):].split('/'))
        elif option.startswith(('replicas=', 'workers=')) and option.split('=')[1].isdigit():
            name, count = option.split('=')
            setattr(setting, name, int(count))
        elif option.isdigit():
            setting.steps_per_run = int(option)
        else:
            raise ValueError(f'--settings: cannot read {option!r} in {text!r} '
                             f'(expected LOOP[:STEPS][:xla][:bf16][:threads=INTRA/INTER][:replicas=N][:workers=N])')
    return setting


def matmul_gflops(size=2048, repeats=10):
    """The machine's large float32 matrix-product rate in graph mode, GFLOP/s (median of repeats)."""
    with tf.Graph().as_default():
        a = v1.Variable(tf.random.normal((size, size)))
        b = v1.Variable(tf.random.normal((size, size)))
        seconds = median_run_seconds(tf.reduce_sum(tf.matmul(a, b)), repeats)
    return 2 * size ** 3 / seconds / 1e9


def median_run_seconds(target, repeats):
    """Median seconds of `sess.run(target)` in a fresh session of the default graph, after a warm-up run."""
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        sess.run(target)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            sess.run(target)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def ops_run_by(target):
    """The operations a session runs for `target`: everything it depends on, through data and control
    inputs. (The graph may hold more, which the session prunes.)"""
    needed, pending = set(), [target]
    while pending:
        op = pending.pop()
        if op in needed:
            continue
        needed.add(op)
        pending.extend(tensor.op for tensor in op.inputs)
        pending.extend(op.control_inputs)
    return needed


def op_flops(graph, op):
    """TensorFlow's registered FLOP count of one op (what its profiler sums), 0 where none is known."""
    try:
        return ops_lib.get_stats_for_node_def(graph, op.node_def, 'flops').value or 0
    except ValueError:   # an unknown shape
        return 0


def iteration_ops(description, batch_size):
    """(graph, the ops one chained in-graph iteration runs, with the static shapes of `batch_size`)."""
    graph = tf.Graph()
    with graph.as_default():
        training_graph = graph_lib.build(description)
        data = steps.in_graph_data(description, batch_size * description.batches_per_iteration(), seed=0)
        chains = steps.build_in_graph_chains(training_graph, data, batch_size, (1,), seed=0)
    return graph, ops_run_by(chains.run_ops[1])


def iteration_flops(description, batch_size):
    """FLOPs of one iteration (every step) as the fast loop runs it."""
    graph, ops = iteration_ops(description, batch_size)
    return sum(op_flops(graph, op) for op in ops)


PRODUCT_OPS = ('MatMul', 'BatchMatMulV2', 'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Conv3D',
               'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2')


def iteration_products(description, batch_size):
    """The matrix products and convolutions one chained in-graph iteration runs: [(type, input shapes,
    constant inputs, attributes, FLOPs)], the FLOPs TensorFlow registers for each."""
    graph, ops = iteration_ops(description, batch_size)
    products = []
    for op in ops:
        if op.type in PRODUCT_OPS:
            # The integer inputs are the backprops' input or filter sizes: their result's shape
            constants = [np.array(op.outputs[0].shape, np.int32) if tensor.dtype.is_integer else None
                         for tensor in op.inputs]
            products.append((op.type, [tuple(tensor.shape) for tensor in op.inputs], constants,
                             dict(op.node_def.attr), op_flops(graph, op)))
    return products


def product_output(graph, product, inputs=None):
    """The product's op in `graph` on `inputs`, by default random ones of its shapes (its size inputs as
    constants)."""
    op_type, shapes, constants, attrs, _ = product
    if inputs is None:
        inputs = [tf.constant(constant) if constant is not None else v1.Variable(tf.random.normal(shape)).value()
                  for shape, constant in zip(shapes, constants)]
    return graph.create_op(op_type, inputs, [tf.float32], attrs=attrs).outputs[0]


def kept(outputs):
    """A sum of each output's first channel: so that no product is pruned and little else is run."""
    return tf.add_n([tf.reduce_sum(output[..., :1]) for output in outputs])


def products_alone_gflops(products, repeats=10):
    """GFLOP/s of the iteration's products run alone, all in one `sess.run` on random inputs of their
    shapes (median of repeats): the rate the uncompiled iteration could reach if nothing else took time."""
    with tf.Graph().as_default() as graph:
        seconds = median_run_seconds(kept([product_output(graph, product) for product in products]), repeats)
    return sum(product[-1] for product in products) / seconds / 1e9


def product_key(product):
    """What makes two products the same work: type, input shapes and attributes."""
    op_type, shapes, _, attrs, _ = product
    return op_type, tuple(shapes), tuple(sorted((name, value.SerializeToString()) for name, value in attrs.items()))


def products_one_at_a_time(products, repeats=10, copies=20):
    """Each distinct product run alone: `copies` of it in one `sess.run`, each after the one before
    (the median of repeats, less an empty run's, over `copies`): [(product, how many the iteration runs,
    seconds each)], the largest total first: where an iteration's time goes when its products run one
    after another, as a chain of steps mostly runs them."""
    counts, firsts = collections.Counter(), {}
    for product in products:
        key = product_key(product)
        counts[key] += 1
        firsts.setdefault(key, product)
    with tf.Graph().as_default():
        empty = median_run_seconds(tf.constant(0.0), repeats)
    timed = []
    for key, product in firsts.items():
        with tf.Graph().as_default() as graph:
            first = product_output(graph, product)
            chain = [kept([first])]
            for _ in range(copies - 1):
                with tf.control_dependencies(chain[-1:]):
                    chain.append(kept([product_output(graph, product, list(first.op.inputs))]))
            seconds = median_run_seconds(tf.add_n(chain), repeats)
        timed.append((product, counts[key], max(seconds - empty, 0.0) / copies))
    return sorted(timed, key=lambda row: -row[1] * row[2])


def product_label(product):
    """'Conv2D (64, 14, 14, 64) x (5, 5, 64, 128), strides 2': the op, its inputs (a backprop's size input
    given as the sizes it holds), and its transposes or strides."""
    op_type, shapes, constants, attrs, _ = product
    inputs = ' x '.join(str(tuple(int(v) for v in constant)) if constant is not None else str(tuple(shape))
                        for shape, constant in zip(shapes, constants))
    details = [name for name in ('transpose_a', 'transpose_b') if name in attrs and attrs[name].b]
    strides = sorted(set(attrs['strides'].list.i[1:-1])) if 'strides' in attrs else []
    if strides and strides != [1]:
        details.append('strides ' + '/'.join(map(str, strides)))
    return f'{op_type} {inputs}' + (f', {", ".join(details)}' if details else '')


def breakdown_lines(name, batch_size, each, rate):
    """The lines of a table of the products of `name`, each timed alone (products_one_at_a_time)."""
    lines = [f'{name}, batch {batch_size}: its products one at a time, against a matmul at {rate:.0f} GFLOP/s',
             '| product | per iteration | MFLOP | ms | GFLOP/s | % of matmul |', '|---|---:|---:|---:|---:|---:|']
    for product, count, seconds in each:
        # A product too small to time apart from a run's own overhead measures 0 s: no rate
        gflops = product[-1] / seconds / 1e9 if seconds else None
        rates = f'{gflops:.0f} | {100 * gflops / rate:.0f}%' if gflops else '- | -'
        lines.append(f'| {product_label(product)} | {count} | {product[-1] / 1e6:.1f} | '
                     f'{seconds * 1e3:.2f} | {rates} |')
    return lines


def compiled_products_gflops(products, repeats=300):
    """GFLOP/s of the iteration's matrix products compiled by XLA, each alone in a loop of `repeats` with
    its operands in cache, their times summed: the rate a compiled iteration could at best reach with
    XLA's kernels. Matrix products only (the MLPs); identical ones are timed once."""
    seconds, timed = 0.0, {}
    for product in products:
        op_type, shapes, _, attrs, _ = product
        if op_type != 'MatMul':
            raise ValueError(f'--compiled_products times matrix products only; this model\'s iteration also runs '
                             f'{op_type}')
        key = product_key(product)
        if key not in timed:
            timed[key] = compiled_matmul_seconds(tuple(shapes), attrs['transpose_a'].b, attrs['transpose_b'].b, repeats)
        seconds += timed[key]
    return sum(product[-1] for product in products) / seconds / 1e9


def compiled_matmul_seconds(shapes, transpose_a, transpose_b, repeats):
    """Seconds of one XLA-compiled matrix product: a compiled loop of `repeats` of it (each made to depend
    on the last, so that XLA neither hoists nor drops it) less the same loop without the product."""
    def loop_seconds(with_product):
        @tf.function(jit_compile=True, autograph=False)
        def run(a, b):
            def body(step, total):
                a_now = a + total * 0.0
                value = (tf.matmul(a_now, b, transpose_a=transpose_a, transpose_b=transpose_b) if with_product
                         else a_now)[0, 0]
                return step + 1, total + value
            return tf.while_loop(lambda step, _: step < repeats, body, (0, 0.0))[1]
        with tf.Graph().as_default():
            a, b = (v1.Variable(tf.random.normal(shape)) for shape in shapes)
            return median_run_seconds(run(a.value(), b.value()), 7)
    return max(loop_seconds(True) - loop_seconds(False), 0.0) / repeats


def time_epochs(description, train_set, setting, batch_size, epochs, num_batches, seed=0):
    """Seconds of each epoch (training only: no checkpoints or samples) after one warm-up epoch."""
    config = train.TrainConfig(batch_size=batch_size, max_batches_per_epoch=num_batches, seed=seed,
                               loop=setting.loop, steps_per_run=setting.steps_per_run, xla=setting.xla,
                               replicas=setting.replicas, cluster=loopback_cluster(setting.workers),
                               session_config=session.session_config(setting.intra_op_threads,
                                                                     setting.inter_op_threads, setting.bf16))
    rng = np.random.RandomState(seed)
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        towers = train.run_towers(config)
        training_graph = train.build_graph(description, config, towers)
        loop = train.make_loop(training_graph, config, train_set)
        runner = train.make_runner(config, towers, devices.resolve(config.device))
        with runner.start(loop.init_feed()) as runner:
            runner.session.graph.finalize()
            stop = interrupt.StopRequest()
            seconds = []
            for epoch in range(1, epochs + 2):
                start = time.perf_counter()
                loop.run_epoch(runner, epoch, train.batches_per_epoch(train_set.num_examples, config), rng, stop,
                               progress.Progress(0, stream=NullStream()))
                seconds.append(time.perf_counter() - start)
    return seconds[1:]


_SERVERS = {}   # workers -> (Cluster, its servers): in-process servers live as long as the process


def loopback_cluster(workers):
    """None for 0 workers; else a cluster of `workers` in-process TensorFlow servers on 127.0.0.1, made
    once per process. The chief's session reaches them over gRPC as it reaches separate processes."""
    if not workers:
        return None
    if workers not in _SERVERS:
        the_cluster = local_cluster.loopback_cluster(workers, ps=0)
        servers = [tf.distribute.Server(the_cluster.spec(), job_name='worker', task_index=index,
                                        config=cluster_lib.session_config(None)) for index in range(workers)]
        _SERVERS[workers] = (the_cluster, servers)
    return _SERVERS[workers][0]


@dataclasses.dataclass
class Session:
    seconds: float         # its median epoch
    matmul_gflops: float   # the machine's matmul rate, measured just before it


def time_settings(description, train_set, settings, batch_size, epochs, num_batches, sessions):
    """Each setting timed in each of `sessions` fresh graphs and sessions, the settings taken in turn
    within each round so that drift in the machine's speed touches them alike, and the matmul rate
    measured before each (a busy neighbour on a shared machine slows both). Returns one list of Session
    per setting; for a setting the model cannot run (e.g. --xla on an op XLA cannot compile), the
    reason instead."""
    timed = [[] for _ in settings]
    for _ in range(sessions):
        for index, setting in enumerate(settings):
            if isinstance(timed[index], str):
                continue
            rate = matmul_gflops(repeats=5)
            try:
                seconds = time_epochs(description, train_set, setting, batch_size, epochs, num_batches)
            except ValueError as err:
                timed[index] = str(err)
                continue
            timed[index].append(Session(statistics.median(seconds), rate))
    return timed


def paired_ratio(reference, sessions):
    """The median over rounds of reference seconds / seconds, each round's sessions taken side by side."""
    return statistics.median(ref.seconds / session.seconds for ref, session in zip(reference, sessions))


def percent_of_matmul(gflop_per_epoch, sessions):
    """The median over sessions of the session's rate against the matmul rate measured just before it."""
    return statistics.median(100 * gflop_per_epoch / session.seconds / session.matmul_gflops for session in sessions)


class NullStream:
    def isatty(self):
        return False
