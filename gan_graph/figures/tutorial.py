"""The tutorial's figures, drawn from a run directory's pickles and checkpoint."""
import os

from matplotlib import ticker
import numpy as np

from gan_graph.figures import animation
from gan_graph.figures import family as family_figures
from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.train import files
from gan_graph.train import manifest
from gan_graph.train import pretrained
from gan_graph.train import run_dir
from gan_graph.train import sampling


def losses_figure(losses, names=family_figures.NOTEBOOK_LOSS_NAMES, metrics=()):
    """'Training Losses': one line per logged loss (discriminator or critic, generator) per epoch, epochs
    numbered from 1; the logged metrics named in `metrics` (the 3D-GAN's D accuracy) are not losses: left out."""
    fig, ax = plt.subplots()
    losses = np.array(losses)
    epochs = np.arange(1, len(losses) + 1)
    for column, name in enumerate(names):
        if name not in metrics:
            ax.plot(epochs, losses.T[column], marker=plots.epoch_marker(len(losses)), label=name)
    # Whole epochs only, even under one epoch (matplotlib's default ticks 0.96 ... 1.04 there)
    ax.xaxis.set_major_locator(ticker.MaxNLocator('auto', steps=[1, 2, 5, 10], integer=True, min_n_ticks=1))
    ax.set_title('Training Losses')
    ax.set_xlabel('Epoch')
    ax.legend()
    return fig


def view_samples(samples, image_shape=plots.MNIST_IMAGE_SHAPE):
    """The notebook's `view_samples`: 4x4 grid, figsize (7, 7), Greys_r, axes hidden."""
    fig, _ = plots.image_grid(samples[:16], nrows=4, ncols=4, figsize=(7, 7), image_shape=image_shape)
    return fig


def progress_figure(samples, rows=10, cols=6, image_shape=plots.MNIST_IMAGE_SHAPE):
    """Every len/rows-th epoch (rows), every len/cols-th sample of it (cols), figsize (7, 12)."""
    epoch_step = max(1, int(len(samples) / rows))
    fig, axes = plt.subplots(figsize=(7, 12), nrows=rows, ncols=cols, sharex=True, sharey=True, squeeze=False)
    for ax in axes.flatten():
        ax.axis('off')
    for sample, ax_row in zip(samples[::epoch_step], axes):
        sample_step = max(1, int(len(sample) / cols))
        for img, ax in zip(sample[::sample_step], ax_row):
            ax.axis('on')
            ax.imshow(np.reshape(img, image_shape), cmap='Greys_r')
            ax.xaxis.set_visible(False)
            ax.yaxis.set_visible(False)
    return fig


def why_no_losses(run_directory):
    origin = pretrained.origin(run_directory)
    if origin:
        return f'the pretrained {origin["name"]} generator keeps only its generator and records'
    return 'the original notebook does not save losses'


def run_figures(run_directory, seed=None, log=print):
    """Draw every tutorial figure a run directory allows into DIR/figures/, then the model's own; yields each
    path as it is written, so that a script can say so before the slower ones (a 3-D render) are drawn.

    Works on a directory written by the original notebook too (train_samples.pkl and checkpoints/).
    """
    record = family_figures.run_record(run_directory)
    image_shape = family_figures.run_image_shape(record)
    drawn = manifest.data_spec(record).as_images  # voxels: their projections
    figures_dir = run_dir.path(run_directory, run_dir.FIGURES)
    # First what reads the checkpoint: a damaged one fails before any figure is written.
    checkpoint_samples = sampling.sample_generator(run_dir.checkpoint_dir(run_directory), 16, seed=seed)
    losses_path = run_dir.path(run_directory, run_dir.LOSSES)
    if os.path.exists(losses_path):
        yield plots.save_figure(losses_figure(files.read_pickle(losses_path), record['losses'],
                                              record.get('metrics', ())),
                                os.path.join(figures_dir, 'losses.png'))
    else:
        log(f'No {run_dir.LOSSES} in {run_directory} ({why_no_losses(run_directory)}): skipping losses.png.')
    samples_path = run_dir.path(run_directory, run_dir.SAMPLES)
    if os.path.exists(samples_path):
        samples = [drawn(epoch) for epoch in files.read_pickle(samples_path)]
        yield plots.save_figure(view_samples(samples[-1], image_shape),
                                os.path.join(figures_dir, 'samples_last_epoch.png'))
        yield plots.save_figure(progress_figure(samples, image_shape=image_shape),
                                os.path.join(figures_dir, 'progress.png'))
        yield animation.progress_animation(samples, os.path.join(figures_dir, 'progress.gif'), image_shape)
    else:
        log(f'No {run_dir.SAMPLES} in {run_directory}: skipping samples_last_epoch.png, progress.png and '
            f'progress.gif.')
    yield plots.save_figure(view_samples(drawn(checkpoint_samples), image_shape),
                            os.path.join(figures_dir, 'samples_from_checkpoint.png'))
    yield from family_figures.family_figures(run_directory, seed=seed, log=log, record=record)
