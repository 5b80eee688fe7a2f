"""The layout of a run directory, shared by training, sampling, figures and evaluation.

The first three names are the original notebook's, so a directory it wrote works with our tools.
"""
import os

SAMPLES = 'train_samples.pkl'          # list, one (16,) + data shape float32 array per epoch
CHECKPOINT_DIR = 'checkpoints'
GENERATOR_CHECKPOINT = 'generator.ckpt'  # generator variables only, as the notebook saved them
LOSSES = 'train_losses.pkl'            # list of the logged losses per epoch, e.g. (d_loss, g_loss)
TRAINING_CHECKPOINT = 'training.ckpt'  # both nets and both optimizers, for resuming
TRAINING_CHECKPOINT_STATE = 'training_checkpoint'  # its own index file, so `checkpoint` stays the generator's
TRAINING_STATE = 'training_state.pkl'  # epochs done, the loop's and the RNG's state; written last at each epoch
FLAGS = 'flags.txt'
MANIFEST = 'run.json'                  # the model, its hyper-parameters, losses, exports, data spec
FIGURES = 'figures'
METRICS = 'metrics.json'               # written by evaluate.py


def path(run_dir, *names):
    return os.path.join(run_dir, *names)


def checkpoint_dir(run_dir):
    return os.path.join(run_dir, CHECKPOINT_DIR)


def flag_value(flags_path, flag_name):
    """The value of --flag_name=VALUE in a flags file (None if it is not there)."""
    if not os.path.isfile(flags_path):
        return None
    with open(flags_path) as f:
        return next((line.strip().split('=', 1)[1] for line in f if line.startswith(f'--{flag_name}=')), None)


class RunDirError(Exception):
    """A directory to write that is not one, or cannot be written; the message names the flag and path."""


def nearest_existing(path):
    """`path` or the closest folder above it that exists."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def check_writable(path, flag='--output_dir'):
    """Refuse, before anything is written, a `path` that is a file, lies under a file, or cannot be
    created or written into by this user."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise RunDirError(f'{flag}={path} is a file, not a directory')
    existing = nearest_existing(path)
    if not os.path.isdir(existing):
        raise RunDirError(f'{flag}={path}: {existing} is a file, so no directory can be made under it')
    if not os.access(existing, os.W_OK | os.X_OK):
        what = 'write into' if existing == os.path.abspath(path) else f'create {path} in'
        raise RunDirError(f'{flag}={path}: this user cannot {what} {existing} (permission denied); '
                          f'choose a directory you can write')
