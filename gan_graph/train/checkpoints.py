"""Saving and finding checkpoints: the generator-only one the notebook wrote, and a full one to resume."""
import glob
import os
import shutil
import tempfile

import tensorflow as tf

from gan_graph.train import files, run_dir

v1 = tf.compat.v1


class CheckpointError(Exception):
    """No usable checkpoint, or one that does not fit the graph; the message says which and why."""


class DamagedCheckpointError(CheckpointError):
    """A checkpoint's files are there but cannot be read back (truncated, emptied, corrupted). `damage`
    names the files and what reading them found."""

    def __init__(self, damage, advice):
        super().__init__(f'{damage}; {advice}')
        self.damage = damage


def generator_saver(g_vars):
    return v1.train.Saver(var_list=g_vars, save_relative_paths=True)


def training_saver():
    """Keeps the last two epochs' full checkpoints: a damaged latest one can fall back to the one before."""
    return v1.train.Saver(max_to_keep=2, save_relative_paths=True)


def save_generator(runner, saver, directory):
    """`saver.save(sess, './checkpoints/generator.ckpt')`, as the notebook did (no meta graph), but
    written beside and then renamed into place: a save that fails (a full disk) leaves the previous
    epoch's generator whole. The `checkpoint` file says what the notebook's Saver wrote there."""
    os.makedirs(directory, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.generator.', dir=directory)
    try:
        runner.save(saver, os.path.join(staging, run_dir.GENERATOR_CHECKPOINT), write_state=False)
        # The data file first: the index names it, so a reader never finds an index without its data.
        for name in sorted(os.listdir(staging), key=lambda name: name.endswith('.index')):
            os.replace(os.path.join(staging, name), os.path.join(directory, name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files.write_text(os.path.join(directory, 'checkpoint'),
                     f'model_checkpoint_path: "{run_dir.GENERATOR_CHECKPOINT}"\n'
                     f'all_model_checkpoint_paths: "{run_dir.GENERATOR_CHECKPOINT}"\n')
    return os.path.join(directory, run_dir.GENERATOR_CHECKPOINT)


def save_training(runner, saver, directory, epoch):
    os.makedirs(directory, exist_ok=True)
    return runner.save(saver, os.path.join(directory, run_dir.TRAINING_CHECKPOINT), global_step=epoch,
                       latest_filename=run_dir.TRAINING_CHECKPOINT_STATE)


def checkpoint_exists(prefix):
    return os.path.exists(prefix + '.index') or os.path.isfile(prefix)


def latest_training_checkpoint(directory):
    prefix = v1.train.latest_checkpoint(directory, latest_filename=run_dir.TRAINING_CHECKPOINT_STATE)
    return prefix if prefix and checkpoint_exists(prefix) else None


def training_checkpoint(directory, epoch):
    """The full checkpoint saved after `epoch`, or None if it is not there."""
    prefix = os.path.join(directory, f'{run_dir.TRAINING_CHECKPOINT}-{epoch}')
    return prefix if checkpoint_exists(prefix) else None


def kept_training_checkpoints(directory):
    """The full checkpoints the index file lists, oldest first (the saver deletes beyond them)."""
    state = v1.train.get_checkpoint_state(directory, latest_filename=run_dir.TRAINING_CHECKPOINT_STATE)
    return list(state.all_model_checkpoint_paths) if state else []


def find_generator_checkpoint(directory):
    """The generator checkpoint in `directory` (ours or the notebook's); clear error if there is none."""
    if not os.path.isdir(directory):
        raise CheckpointError(f'checkpoint directory not found: {directory}')
    prefix = v1.train.latest_checkpoint(directory)
    if prefix and checkpoint_exists(prefix):
        return prefix
    # A `checkpoint` index file that points elsewhere (a moved run): fall back to the notebook's name.
    fallback = os.path.join(directory, run_dir.GENERATOR_CHECKPOINT)
    if checkpoint_exists(fallback):
        return fallback
    raise CheckpointError(f'no generator checkpoint in {directory}: expected {run_dir.GENERATOR_CHECKPOINT}.index '
                          f'(and its data file), as written by training or by the original notebook.')


def first_line(err):
    """The first line of what TensorFlow said; a graph execution error chains the op's own error, which
    says what went wrong in its first line ('Read less bytes than requested')."""
    while isinstance(err.__context__, tf.errors.OpError):
        err = err.__context__
    message = getattr(err, 'message', '') or str(err)
    return message.strip().splitlines()[0] if message.strip() else type(err).__name__


def damaged(prefix, err):
    """The error for a checkpoint whose files cannot be read back, naming them."""
    names = sorted(glob.glob(glob.escape(prefix) + '.data-*')) + [prefix + '.index']
    return DamagedCheckpointError(f'checkpoint {prefix} is damaged ({", ".join(names)}: {first_line(err)})',
                                  'restore its files from a copy, or train the run again')


def variable_shapes(prefix):
    """{variable name: shape} stored in a checkpoint."""
    try:
        return dict(tf.train.list_variables(prefix))
    except (tf.errors.OpError, ValueError) as err:
        raise damaged(prefix, err) from err


def check_readable(prefix):
    """Read every tensor of a checkpoint back, so a damaged one is found before minutes of work, not after."""
    try:
        reader = tf.train.load_checkpoint(prefix)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    except (tf.errors.OpError, ValueError, IndexError) as err:   # the reader says "read less bytes" as IndexError
        raise damaged(prefix, err) from err


def restore(sess, saver, prefix):
    """Restore with a clear message when names or shapes do not match the graph, or when the files are
    damaged (a truncated or emptied data file reads short: OutOfRangeError, DataLossError)."""
    try:
        saver.restore(sess, prefix)
    except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError) as err:
        raise CheckpointError(f'checkpoint {prefix} does not fit the graph built from the flags: '
                              f'{first_line(err)}') from err
    except (tf.errors.OpError, ValueError) as err:
        raise damaged(prefix, err) from err
