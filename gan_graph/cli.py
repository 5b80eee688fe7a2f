"""What every training script shares: common absl flags, the run's flags file, clear errors."""
import contextlib
import random
import sys

from absl import flags

from gan_graph import checkpoints, interrupt, mnist, train

FLAGS = flags.FLAGS
# Errors whose message already says what is wrong and what was expected: print it, no traceback.
USER_ERRORS = (mnist.DataError, checkpoints.CheckpointError, train.ResumeError, ValueError)


def define_common_flags(output_dir, epochs, batch_size):
    flags.DEFINE_integer('epochs', epochs, 'Training epochs.', lower_bound=1)
    flags.DEFINE_integer('batch_size', batch_size, 'Images per batch.', lower_bound=1)
    flags.DEFINE_integer('max_batches_per_epoch', 0, 'Cap on batches per epoch, for quick runs (0 = all).',
                         lower_bound=0)
    flags.DEFINE_string('output_dir', output_dir, 'Run directory: pickles, checkpoints, flags, TensorBoard '
                        'events. Rerunning with the same directory resumes.')
    flags.DEFINE_string('data_dir', mnist.DEFAULT_DATA_DIR, 'Directory with the MNIST IDX .gz files '
                        '(a relative path not found here is looked up from the repository root).')
    flags.DEFINE_integer('seed', None, 'Seeds numpy and the graph (same seed => same losses on CPU). '
                         'Unset: a random seed, recorded in flags.txt.', lower_bound=0)
    flags.DEFINE_bool('tensorboard', True, 'Write TensorBoard event files into --output_dir.')
    flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")


def resolve_seed():
    """A run is always reproducible: an unset --seed is drawn now and recorded in flags.txt."""
    if FLAGS.seed is None:
        FLAGS.seed = random.SystemRandom().randrange(2**31)
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
    except (interrupt.TrainingInterrupted, KeyboardInterrupt) as err:
        reason = str(err) or 'interrupt'
        print(f'Stopped by {reason}: the epoch in progress was dropped, finished epochs are saved in '
              f'{FLAGS.output_dir}. Rerun the same command to resume.', file=sys.stderr)
        sys.exit(130)


def train_config():
    """The loop's settings from the common flags."""
    return train.TrainConfig(epochs=FLAGS.epochs, batch_size=FLAGS.batch_size,
                             max_batches_per_epoch=FLAGS.max_batches_per_epoch, seed=FLAGS.seed,
                             tensorboard=FLAGS.tensorboard, flags_text=flags_text())
