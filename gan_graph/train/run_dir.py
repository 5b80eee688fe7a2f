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
