"""Seconds per epoch of the training loops, and how close they come to the machine's matmul rate.

FLOPs are counted the same way for every loop, so the numbers compare: TensorFlow's profiler counts
one forward pass of G and of D at the batch size; a training step is taken as 3x forward for each
pass that is trained (forward + two backward products): D on the real and on the fake batch, and G
through D, so 3*G + 3*(2*D) + 3*D. Where the G step draws its own noise (DCGAN), the D step's forward
of G is useful too (+1*G); where it reuses the D step's noise, the faithful loop's second forward of
G is not counted as useful.
"""
import dataclasses
import statistics
import time

import numpy as np
import tensorflow as tf

from gan_graph import fast_loop, interrupt, progress, session, train

v1 = tf.compat.v1


@dataclasses.dataclass
class LoopSetting:
    loop: str = 'faithful'
    steps_per_run: int = 1
    xla: bool = False
    intra_op_threads: int = 0
    inter_op_threads: int = 0
    bf16: bool = False

    @property
    def label(self):
        text = (self.loop + (f' x{self.steps_per_run}' if self.steps_per_run > 1 else '') + (' +xla' if self.xla else '')
                + (' +bf16' if self.bf16 else ''))
        if self.intra_op_threads or self.inter_op_threads:
            text += f' threads {self.intra_op_threads}/{self.inter_op_threads}'
        return text


def matmul_gflops(size=2048, repeats=10):
    """The machine's large float32 matrix-product rate in graph mode, GFLOP/s (median of repeats)."""
    with tf.Graph().as_default():
        a = v1.Variable(tf.random.normal((size, size)))
        b = v1.Variable(tf.random.normal((size, size)))
        product = tf.reduce_sum(tf.matmul(a, b))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(product)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                sess.run(product)
                times.append(time.perf_counter() - start)
    return 2 * size ** 3 / statistics.median(times) / 1e9


def graph_flops(graph):
    options = v1.profiler.ProfileOptionBuilder.float_operation()
    options['output'] = 'none'
    return v1.profiler.profile(graph, options=options).total_float_ops


def forward_flops(build_model, network, input_shape):
    """FLOPs of one forward pass of `network` ('generator' or 'discriminator') on a fixed-shape input:
    the profiler's count for the model graph with that extra pass, minus without it."""
    totals = []
    for extra_pass in (False, True):
        graph = tf.Graph()
        with graph.as_default():
            model = build_model()
            if extra_pass:
                getattr(model.networks, network)(v1.placeholder(tf.float32, input_shape))
            totals.append(graph_flops(graph))
    return totals[1] - totals[0]


def step_flops(build_model, batch_size):
    """Useful FLOPs of one training step: 3*G (4*G with fresh G-step noise) + 9*D forward passes."""
    with tf.Graph().as_default():
        model = build_model()
        z_size, image_size = int(model.z_input.shape[-1]), int(model.real_input.shape[-1])
        generator_passes = 4 if fast_loop.generator_draws_fresh_noise(model, 'fused') else 3
    g_flops = forward_flops(build_model, 'generator', (batch_size, z_size))
    d_flops = forward_flops(build_model, 'discriminator', (batch_size, image_size))
    return generator_passes * g_flops + 9 * d_flops


def time_epochs(build_model, train_set, setting, batch_size, epochs, num_batches, seed=0):
    """Seconds of each epoch (training only: no checkpoints or samples) after one warm-up epoch."""
    config = train.TrainConfig(batch_size=batch_size, max_batches_per_epoch=num_batches, seed=seed,
                               loop=setting.loop, steps_per_run=setting.steps_per_run, xla=setting.xla)
    session_config = session.session_config(setting.intra_op_threads, setting.inter_op_threads, setting.bf16)
    rng = np.random.RandomState(seed)
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        model = build_model()
        loop = train.make_loop(model, config, train_set)
        with v1.Session(config=session_config) as sess:
            sess.run(v1.global_variables_initializer())
            loop.initialize(sess)
            sess.graph.finalize()
            stop = interrupt.StopRequest()
            seconds = []
            for epoch in range(1, epochs + 2):
                start = time.perf_counter()
                loop.run_epoch(sess, train_set, rng, stop, progress.Progress(0, stream=NullStream()),
                               train.batches_per_epoch(train_set.num_examples, config), epoch)
                seconds.append(time.perf_counter() - start)
    return seconds[1:]


def time_settings(build_model, train_set, settings, batch_size, epochs, num_batches, sessions):
    """Median epoch seconds of each setting in each of `sessions` fresh graphs and sessions, the settings
    taken in turn within each round so that drift in the machine's speed touches them alike. Returns
    one list of per-session medians per setting."""
    medians = [[] for _ in settings]
    for _ in range(sessions):
        for index, setting in enumerate(settings):
            seconds = time_epochs(build_model, train_set, setting, batch_size, epochs, num_batches)
            medians[index].append(statistics.median(seconds))
    return medians


class NullStream:
    def isatty(self):
        return False
