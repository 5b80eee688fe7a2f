"""Seconds per epoch of each training loop, per model: median, ratio to the faithful loop, GFLOP/s.

  python scripts/benchmark.py                     # the README table (about 18 minutes on 2 cores)
  python scripts/benchmark.py --sessions=1 --epochs=1 --num_batches=20 --settings=faithful,in_graph:10

Each model trains at its own script's batch size. The MLP GANs time whole epochs; the DCGAN (45-100 s
an epoch on 2 cores) times its first 100 batches, and the table scales every time to a full epoch.
A last row per model runs only its iteration's matrix products and convolutions, at their shapes, in one
`sess.run`: the rate the uncompiled loops can at best reach with these kernels (XLA has its own).
With --compiled_products, a row per MLP gives the least time an epoch can take with XLA's kernels:
its iteration's matrix products, each compiled alone, their times summed. With --products_one_at_a_time,
a row per model gives an epoch of its products run one after another (each alone, their times summed),
and after the table each product's time and rate: where the time goes.
On a shared machine whose speed drifts, each ratio to the faithful loop is the median of each round's
(the faithful session timed just before the others), and each % of matmul is against the matmul rate
measured just before each session.
"""
import functools
import os
import platform
import statistics

from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import benchmark
from gan_graph import cli
from gan_graph import quiet
from gan_graph.data import mnist, readers
from gan_graph.models import cgan, cyclegan, dcgan, keras_dcgan, mlp_gan, stylegan, vae, voxel_gan, wgan

# name -> (describe, batch size of its training script, batches timed per epoch by default: 0 = all)
MODELS = {f'mlp_{arch}': (functools.partial(mlp_gan.describe, arch=arch), 100, 0) for arch in mlp_gan.ARCHS}
MODELS['dcgan'] = (dcgan.describe, 64, 100)
MODELS['cgan'] = (cgan.describe, 32, 300)
MODELS['wgan'] = (functools.partial(wgan.describe, mode='wgan'), 64, 100)
MODELS['wgan_gp'] = (functools.partial(wgan.describe, mode='wgan-gp'), 64, 100)
MODELS['stylegan'] = (stylegan.describe, 32, 50)
MODELS['keras_dcgan'] = (keras_dcgan.describe, 128, 50)
MODELS['vae'] = (vae.describe, 64, 100)
MODELS['cyclegan'] = (cyclegan.describe, 8, 50)
MODELS['voxel_gan'] = (voxel_gan.describe, 100, 3)
DEFAULT_SETTINGS = ('faithful,fused,in_graph:1,in_graph:10,in_graph:50,in_graph:10:bf16,'
                    'in_graph:10:threads=1/1,in_graph:10:threads=2/1,in_graph:10:threads=1/2')

flags.DEFINE_list('models', ['mlp_blog', 'mlp_udacity', 'dcgan'], f'Models to time, of {sorted(MODELS)}.')
flags.DEFINE_list('settings', DEFAULT_SETTINGS.split(','), 'Loop settings: LOOP[:STEPS_PER_RUN][:xla][:bf16]'
                  '[:threads=INTRA/INTER][:replicas=N][:workers=N] (data parallel over N local towers, or over '
                  'N workers of in-process TensorFlow servers on loopback; faithful loop). The faithful loop is '
                  'always timed first, as the reference.')
flags.DEFINE_integer('epochs', 3, 'Timed epochs per session (after one warm-up epoch).', lower_bound=1)
flags.DEFINE_integer('sessions', 3, 'Fresh graph and session per setting, in turn: the table gives the median of '
                     "the sessions' median epochs, and their range.", lower_bound=1)
flags.DEFINE_integer('batch_size', None, "Batch size (unset: each model's own, 100 for the MLPs, 64 for the DCGAN).",
                     lower_bound=1)
flags.DEFINE_integer('num_batches', None, 'Batches timed per epoch, the time then scaled to a full epoch '
                     "(0: the whole train set; unset: each model's default, all for the MLPs, 100 for the DCGAN).",
                     lower_bound=0)
flags.DEFINE_bool('products_alone', True, "Add a row per model: its iteration's matrix products and convolutions "
                  'run alone, the rate the uncompiled loops can at best reach (the rest of an iteration only adds '
                  'time; XLA runs kernels of its own).')
flags.DEFINE_bool('products_one_at_a_time', False, "Add a row per model: its iteration's matrix products and "
                  "convolutions run one after another, as a chain of steps mostly runs them, each timed alone, their "
                  "times summed; and after the table each product's time and rate: where the time goes (a minute "
                  "or two).")
flags.DEFINE_bool('compiled_products', False, "Add a row per model: its iteration's matrix products compiled by "
                  'XLA, each alone with its operands in cache, their times summed: the rate the compiled loop can at '
                  'best reach with XLA\'s kernels (matrix-product models only: the MLPs; about a minute).')
flags.DEFINE_string('data_dir', mnist.DEFAULT_DATA_DIR, 'Directory with the MNIST IDX .gz files.')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.register_validator('models', lambda names: set(names) <= set(MODELS), f'--models must be among {sorted(MODELS)}')
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        settings = [benchmark.parse_setting(text) for text in FLAGS.settings]
        settings = [benchmark.LoopSetting()] + [s for s in settings if s != benchmark.LoopSetting()]
        with quiet.stderr_fd_silenced():  # the profiler complains about shapes it cannot count
            peak = benchmark.matmul_gflops()
        print(f'Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; '
              f'float32 2048x2048 matmul: {peak:.0f} GFLOP/s')
        print('| model | loop | s/epoch (median) | sessions (min-max) | vs faithful | GFLOP/s | % of matmul |')
        print('|---|---|---:|---:|---:|---:|---:|')
        breakdowns = []
        for name in FLAGS.models:
            describe, batch_size, num_batches = MODELS[name]
            description = describe()
            data = readers.read(description.data, FLAGS.data_dir, seed=0)
            batch_size = FLAGS.batch_size or batch_size
            num_batches = num_batches if FLAGS.num_batches is None else FLAGS.num_batches
            full_epoch = data.train.num_examples // batch_size
            timed = min(num_batches or full_epoch, full_epoch)
            with quiet.stderr_fd_silenced():
                flops = benchmark.iteration_flops(description, batch_size)
            iterations = full_epoch / description.batches_per_iteration()
            timings = benchmark.time_settings(description, data.train, settings, batch_size, FLAGS.epochs, timed,
                                              FLAGS.sessions)
            # Times of the timed batches; the rows give them scaled to the full epoch
            scale = full_epoch / timed
            gflop_timed = flops * iterations / scale / 1e9
            for setting, sessions in zip(settings, timings):
                if isinstance(sessions, str):
                    print(f'| {name} | {setting.label} | cannot run: {sessions} | | | | |', flush=True)
                    continue
                seconds = [session.seconds * scale for session in sessions]
                median = statistics.median(seconds)
                print(f'| {name} | {setting.label} | {median:.2f} | {min(seconds):.2f}-{max(seconds):.2f} | '
                      f'{benchmark.paired_ratio(timings[0], sessions):.2f}x | '
                      f'{flops * iterations / median / 1e9:.0f} | '
                      f'{benchmark.percent_of_matmul(gflop_timed, sessions):.0f}% |', flush=True)
            if FLAGS.products_alone or FLAGS.compiled_products or FLAGS.products_one_at_a_time:
                with quiet.stderr_fd_silenced():
                    products = benchmark.iteration_products(description, batch_size)
            if FLAGS.products_alone:
                with quiet.stderr_fd_silenced():
                    rate = benchmark.matmul_gflops()
                    ceiling = benchmark.products_alone_gflops(products)
                print(f'| {name} | its products alone | | | | {ceiling:.0f} | {100 * ceiling / rate:.0f}% |',
                      flush=True)
            if FLAGS.products_one_at_a_time:
                with quiet.stderr_fd_silenced():
                    rate = benchmark.matmul_gflops()
                    each = benchmark.products_one_at_a_time(products)
                iteration_seconds = sum(count * seconds for _, count, seconds in each)
                product_rate = sum(product[-1] for product in products) / iteration_seconds / 1e9
                print(f'| {name} | its products one at a time | {iteration_seconds * iterations:.2f} | | | '
                      f'{product_rate:.0f} | {100 * product_rate / rate:.0f}% |', flush=True)
                breakdowns.append(benchmark.breakdown_lines(name, batch_size, each, rate))
            if FLAGS.compiled_products:
                with quiet.stderr_fd_silenced():
                    rate = benchmark.matmul_gflops()
                    ceiling = benchmark.compiled_products_gflops(products)
                # The least seconds an epoch can take with these kernels, and the most it can gain on the faithful loop
                least = flops * iterations / ceiling / 1e9
                faithful = statistics.median(session.seconds for session in timings[0]) * scale
                print(f'| {name} | its products alone, compiled | {least:.2f} | | {faithful / least:.2f}x | '
                      f'{ceiling:.0f} | {100 * ceiling / rate:.0f}% |', flush=True)

        for lines in breakdowns:
            print('\n' + '\n'.join(lines))


if __name__ == '__main__':
    cli.run(main)
