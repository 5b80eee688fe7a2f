"""What every training script shares: common absl flags, the run's flags file, clear errors."""
import contextlib
import dataclasses
import functools
import random
import sys

from absl import app, flags

from gan_graph.data import mnist, readers
from gan_graph.train import checkpoints
from gan_graph.train import cluster
from gan_graph.train import devices
from gan_graph.train import files
from gan_graph.train import interrupt
from gan_graph.train import manifest
from gan_graph.train import run_dir
from gan_graph.train import run_lock
from gan_graph.train import loop as train
from gan_graph.train import session

FLAGS = flags.FLAGS
# Errors whose message already says what is wrong and what was expected: print it, no traceback.
USER_ERRORS = (mnist.DataError, checkpoints.CheckpointError, train.ResumeError, train.DivergedError, train.SaveError,
               run_lock.RunLockedError, run_dir.RunDirError, files.DamagedFileError, ValueError)
HELP_ARGS = ('-h', '-?', '--help', '--helpshort')


def run(main, positional=False):
    """`app.run(main)`, except that --help lists the script's own flags and the shared ones it declared
    (not absl's 200 others: --helpfull) and exits 0, and that a script taking no positional arguments
    refuses them (absl passes `epochs=5` over in silence, and the run would train with the defaults)."""
    if any(arg in HELP_ARGS for arg in sys.argv[1:]):
        app.usage(shorthelp=True, writeto_stdout=True)
        print('Try --helpfull to get a list of all flags.')
        sys.exit(0)
    app.run(main if positional else functools.partial(without_arguments, main))


def without_arguments(main, argv):
    if len(argv) > 1:
        fail(f'unexpected arguments: {" ".join(argv[1:])} (this script takes only flags, written --name=value)')
    return main(argv)


def declare_key_flags(names):
    """Flags defined here for a script are its own in --help (absl shows only the main module's)."""
    for name in names:
        FLAGS.register_key_flag_for_module(sys.argv[0], FLAGS[name])


def define_common_flags(output_dir, epochs, batch_size, loop='faithful', steps_per_run=1, xla=False):
    """Flags every training script has; a model with fused-step support passes its fastest loop."""
    flags.DEFINE_integer('epochs', epochs, 'Training epochs.', lower_bound=1)
    flags.DEFINE_integer('batch_size', batch_size, 'Images per batch.', lower_bound=1)
    flags.DEFINE_integer('max_batches_per_epoch', 0, 'Cap on batches per epoch, for quick runs (0 = all).',
                         lower_bound=0)
    flags.DEFINE_string('output_dir', output_dir, 'Run directory: pickles, checkpoints, flags, TensorBoard '
                        'events. Rerunning with the same directory resumes.')
    flags.DEFINE_string('data_dir', mnist.DEFAULT_DATA_DIR, 'Directory with the MNIST IDX .gz files '
                        '(a relative path not found here is looked up from the repository root).')
    flags.DEFINE_integer('seed', None, 'Seeds numpy and the graph (same seed => same losses on CPU). Unset: the '
                         'seed of the run being resumed, else a random one; recorded in flags.txt and run.json.',
                         lower_bound=0)
    flags.DEFINE_bool('tensorboard', True, 'Write TensorBoard event files into --output_dir.')
    define_loop_flags(loop, steps_per_run, xla)
    flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
    declare_key_flags(('epochs', 'batch_size', 'max_batches_per_epoch', 'output_dir', 'data_dir', 'seed',
                       'tensorboard', 'verbose'))


def define_alpha(default, help_text):
    """--alpha, the leak of a leaky ReLU: within [0, 1], where the one-op leaky ReLU equals max(alpha*x, x)."""
    flags.DEFINE_float('alpha', default, help_text, lower_bound=0.0, upper_bound=1.0)


def define_loop_flags(loop='faithful', steps_per_run=1, xla=False):
    flags.DEFINE_enum('loop', loop, train.LOOPS,
                      "faithful: the tutorial's loop (feed_dict, one sess.run per step); fused: one sess.run "
                      "per iteration, its steps chained; in_graph: images and noise in the graph, "
                      "--steps_per_run iterations per sess.run.")
    flags.DEFINE_bool('faithful_loop', False, "Shorthand for --loop=faithful --steps_per_run=1 --noxla.")
    flags.DEFINE_integer('steps_per_run', steps_per_run, 'With --loop=in_graph: iterations (every step of the '
                         'model once, e.g. a D and a G step) chained in one sess.run.',
                         lower_bound=1)
    flags.DEFINE_bool('xla', xla, 'With --loop=in_graph: compile each sess.run of chained iterations as one XLA '
                      'computation (--noxla: the TensorFlow executor runs the ops one by one).')
    flags.DEFINE_integer('replicas', 1, 'Data parallel: split each batch over this many towers (local CPU devices), '
                         "average their gradients and apply them once (README, Scaling out); every loop, not with "
                         '--xla (a default --xla is dropped).', lower_bound=1)
    flags.DEFINE_enum('device', 'auto', devices.CHOICES, 'auto: a GPU if TensorFlow sees one (ops without a GPU kernel '
                      'stay on the CPU); cpu: GPUs hidden; gpu: fail unless there is one. With --replicas, one tower '
                      'per GPU, the variables on the CPU.')
    flags.DEFINE_string('cluster_spec', '', 'A cluster of TensorFlow servers as JSON, {"worker": ["host:port", ...], '
                        '"ps": ["host:port"]} (empty: TF_CONFIG\'s "cluster" if set, else no cluster). Without '
                        '--job_name this process is the chief: one tower per worker (README, Scaling out).')
    flags.DEFINE_enum('job_name', None, cluster.JOBS, "With --cluster_spec: only serve this task's server "
                      '(scripts/launch_local_cluster.py starts them).')
    flags.DEFINE_integer('task_index', 0, 'With --job_name: which task of the job this server is.', lower_bound=0)
    flags.DEFINE_integer('intra_op_threads', 0, 'Threads inside one op (0: TensorFlow decides).', lower_bound=0)
    flags.DEFINE_integer('inter_op_threads', 0, 'Ops run in parallel (0: TensorFlow decides).', lower_bound=0)
    flags.DEFINE_bool('bf16', False, "Run convolutions and matrix products in bfloat16 (oneDNN's automatic mixed "
                      'precision; variables stay float32). Faster only on CPUs with bfloat16 instructions; '
                      'changes the numerics (README, Speed).')
    declare_key_flags(('loop', 'faithful_loop', 'steps_per_run', 'xla', 'replicas', 'device', 'cluster_spec',
                       'job_name', 'task_index', 'intra_op_threads', 'inter_op_threads', 'bf16'))


def session_config():
    if FLAGS.bf16 and not session.cpu_has_bf16():
        print(f"warning: --bf16 on a CPU without bfloat16 instructions ({', '.join(session.BF16_CPU_FLAGS)}): "
              'oneDNN emulates them, so training will be slower, not faster.', file=sys.stderr)
    return session.session_config(FLAGS.intra_op_threads, FLAGS.inter_op_threads, FLAGS.bf16)


def loop_settings():
    """(loop, steps_per_run, xla) from the flags, --faithful_loop winning."""
    if FLAGS.faithful_loop:
        return 'faithful', 1, False
    if FLAGS.loop == 'in_graph':
        if FLAGS.xla and not FLAGS['xla'].present and data_parallel():
            FLAGS.xla = False   # a default: one XLA computation runs on one device, so towers take the executor
        return FLAGS.loop, FLAGS.steps_per_run, FLAGS.xla
    return FLAGS.loop, 1, False


def data_parallel():
    """Whether the batch is split over towers: --replicas, or the workers of a cluster."""
    return FLAGS.replicas > 1 or cluster.parse(FLAGS.cluster_spec) is not None


def resolve_seed():
    """A run is always reproducible: an unset --seed is the one recorded by the run being resumed, or is
    drawn now and recorded in flags.txt and run.json."""
    if FLAGS.seed is None:
        recorded = manifest.recorded_seed(FLAGS.output_dir)
        FLAGS.seed = recorded if recorded is not None else random.SystemRandom().randrange(2**31)
    return FLAGS.seed


def flags_text():
    """The script's flags in absl flagfile format: `--flagfile=flags.txt` reruns the same run."""
    names = {flag.name for module in (sys.argv[0], __name__) for flag in FLAGS.get_flags_for_module(module)}
    return ''.join(FLAGS[name].serialize() + '\n' for name in sorted(names) if FLAGS[name].value is not None)


def fail(message, exit_code=2):
    print(f'error: {message}', file=sys.stderr)
    sys.exit(exit_code)


@contextlib.contextmanager
def user_errors():
    """Known failures become one clear line on stderr; an interrupt says how to resume."""
    try:
        yield
    except USER_ERRORS as err:
        fail(err)
    except OSError as err:   # the disk or the file system said no: name the file, no traceback
        fail(f'{err.filename}: {err.strerror}' if err.filename else err)
    except (interrupt.TrainingInterrupted, KeyboardInterrupt) as err:
        reason = str(err) or 'interrupt'
        print(f'Stopped by {reason}: the epoch in progress was dropped, finished epochs are saved in '
              f'{FLAGS.output_dir}. Rerun the same command to resume.', file=sys.stderr)
        sys.exit(130)


def train_config():
    """The loop's settings from the common flags."""
    loop, steps_per_run, xla = loop_settings()
    return train.TrainConfig(epochs=FLAGS.epochs, batch_size=FLAGS.batch_size,
                             max_batches_per_epoch=FLAGS.max_batches_per_epoch, seed=FLAGS.seed,
                             tensorboard=FLAGS.tensorboard, flags_text=flags_text(), loop=loop,
                             steps_per_run=steps_per_run, xla=xla, session_config=session_config(),
                             replicas=FLAGS.replicas, device=FLAGS.device,
                             cluster=cluster.parse(FLAGS.cluster_spec))


def run_training(describe, step_log=None):
    """The body of every training script: seed, the model's description and data, then the shared loop
    into --output_dir. step_log: the faithful loop's per-step log (TrainConfig.step_log)."""
    with user_errors():
        if FLAGS.job_name:
            the_cluster = cluster.parse(FLAGS.cluster_spec)
            if the_cluster is None:
                fail('--job_name needs --cluster_spec (or TF_CONFIG)')
            return cluster.serve(the_cluster, FLAGS.job_name, FLAGS.task_index)
        run_dir.check_writable(FLAGS.output_dir)
        resolve_seed()
        description = describe()
        data = readers.read(description.data, FLAGS.data_dir, seed=FLAGS.seed)
        check_batch_size(data.train.num_examples)
        # A translation model's samples translate the same test examples every epoch.
        config = dataclasses.replace(train_config(), step_log=step_log, sample_examples=data.test.all_images)
        train.train_new_graph(description, data.train, config, FLAGS.output_dir)
        print(f'Run directory: {FLAGS.output_dir}. Its figures: python scripts/make_figures.py '
              f'--run_dir={FLAGS.output_dir}')


def check_batch_size(num_examples):
    """A batch larger than the training split would train on nothing (or fail deep in TensorFlow)."""
    if FLAGS.batch_size > num_examples:
        fail(f'--batch_size={FLAGS.batch_size} is larger than the training split ({num_examples} examples): '
             f'give at most --batch_size={num_examples}')
