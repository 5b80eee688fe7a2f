"""Seconds per epoch of each training loop, per model: median, ratio to the faithful loop, GFLOP/s.

  python scripts/benchmark.py                     # the README table (a few minutes on 2 cores)
  python scripts/benchmark.py --epochs=1 --num_batches=20 --settings=faithful,in_graph:10   # quick look
"""
import functools
import os
import platform
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # noqa: E402

import gan_graph  # noqa: E402,F401  (silences TensorFlow before it loads)
from gan_graph import benchmark, cli, mlp_gan, mnist, quiet  # noqa: E402

MODELS = {f'mlp_{arch}': functools.partial(mlp_gan.build, arch=arch) for arch in mlp_gan.ARCHS}
DEFAULT_SETTINGS = ('faithful,fused,in_graph:1,in_graph:10,in_graph:50,'
                    'in_graph:10:threads=1/1,in_graph:10:threads=2/1,in_graph:10:threads=1/2')

flags.DEFINE_list('models', ['mlp_blog', 'mlp_udacity'], f'Models to time, of {sorted(MODELS)}.')
flags.DEFINE_list('settings', DEFAULT_SETTINGS.split(','), 'Loop settings: LOOP[:STEPS_PER_RUN][:xla]'
                  '[:threads=INTRA/INTER]. The faithful loop is always timed first, as the reference.')
flags.DEFINE_integer('epochs', 3, 'Timed epochs per setting (after one warm-up epoch); the median is reported.',
                     lower_bound=1)
flags.DEFINE_integer('batch_size', 100, 'Batch size.', lower_bound=1)
flags.DEFINE_integer('num_batches', 0, 'Batches per epoch (0: the whole train set, 550 at batch 100).',
                     lower_bound=0)
flags.DEFINE_string('data_dir', mnist.DEFAULT_DATA_DIR, 'Directory with the MNIST IDX .gz files.')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.register_validator('models', lambda names: set(names) <= set(MODELS), f'--models must be among {sorted(MODELS)}')
FLAGS = flags.FLAGS


def parse_setting(text):
    """'in_graph:10:xla:threads=2/1' -> LoopSetting."""
    loop, *options = text.split(':')
    setting = benchmark.LoopSetting(loop=loop)
    for option in options:
        if option == 'xla':
            setting.xla = True
        elif option.startswith('threads='):
            setting.intra_op_threads, setting.inter_op_threads = map(int, option[len('threads='):].split('/'))
        elif option.isdigit():
            setting.steps_per_run = int(option)
        else:
            raise ValueError(f'--settings: cannot read {option!r} in {text!r} '
                             f'(expected LOOP[:STEPS][:xla][:threads=INTRA/INTER])')
    return setting


def main(argv):
    del argv
    with cli.user_errors():
        settings = [parse_setting(text) for text in FLAGS.settings]
        settings = [benchmark.LoopSetting()] + [s for s in settings if s != benchmark.LoopSetting()]
        data = mnist.read_data_sets(FLAGS.data_dir, seed=0)
        with quiet.stderr_fd_silenced():  # the profiler complains about shapes it cannot count
            peak = benchmark.matmul_gflops()
        print(f'Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; '
              f'float32 2048x2048 matmul: {peak:.0f} GFLOP/s')
        print('| model | loop | s/epoch (median) | vs faithful | GFLOP/s | % of matmul |')
        print('|---|---|---:|---:|---:|---:|')
        for name in FLAGS.models:
            with quiet.stderr_fd_silenced():
                flops = benchmark.step_flops(MODELS[name], FLAGS.batch_size)
            reference = None
            for setting in settings:
                seconds = benchmark.time_epochs(MODELS[name], data.train, setting, FLAGS.batch_size,
                                                FLAGS.epochs, FLAGS.num_batches)
                median = statistics.median(seconds)
                reference = reference or median
                batches = FLAGS.num_batches or data.train.num_examples // FLAGS.batch_size
                gflops = flops * batches / median / 1e9
                print(f'| {name} | {setting.label} | {median:.2f} | {reference / median:.2f}x | '
                      f'{gflops:.0f} | {100 * gflops / peak:.0f}% |', flush=True)


if __name__ == '__main__':
    app.run(main)
