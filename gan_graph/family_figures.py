"""The figures particular to one model of the family, drawn from a run directory.

cgan: the tutorial's `sample_images` (2x5 grid, one digit each, titled "Digit: d") and a 10x10
grid, row d holding ten samples of digit d. wgan: the critic's Wasserstein estimate per epoch.
`make_family_figures` draws whichever a run's generator_spec.json calls for (nothing for the MLP GAN).
"""
import os

import numpy as np

from gan_graph import checkpoints, files, plots, run_dir, sampling
from gan_graph.plots import plt


def digit_samples_figure(samples, labels, rows=2, cols=5):
    """Keras-GAN `sample_images`: `plt.subplots(r, c)`, images rescaled 0.5 x + 0.5, cmap gray,
    each titled "Digit: d", axes off."""
    fig, axs = plt.subplots(rows, cols, squeeze=False)
    images = 0.5 * np.reshape(samples, (-1, 28, 28)) + 0.5
    for cnt, ax in enumerate(axs.flatten()):
        ax.imshow(images[cnt], cmap='gray')
        ax.set_title('Digit: %d' % labels[cnt])
        ax.axis('off')
    return fig


def digit_rows_figure(samples, per_digit=10):
    """10 rows of `per_digit` samples: row d holds samples conditioned on digit d."""
    fig, axes = plots.image_grid(samples, nrows=10, ncols=per_digit, figsize=(per_digit * 0.8, 8), cmap='gray')
    for digit, ax in enumerate(axes[:, 0]):
        ax.yaxis.set_visible(True)
        ax.set_yticks([])
        ax.set_ylabel(str(digit), rotation=0, labelpad=10, fontsize=12)
    fig.suptitle('Samples by conditioned digit (row = digit)')
    return fig


def digit_rows_labels(per_digit=10):
    return np.repeat(np.arange(10), per_digit)


def wasserstein_estimates(losses):
    """-(critic loss) per epoch, from the (critic, generator) losses the loop recorded."""
    return -np.asarray(losses, dtype=np.float64)[:, 0]


def wasserstein_figure(losses, penalty=False):
    """The critic's Wasserstein estimate, E[C(real)] - E[C(fake)] on the last batch of each epoch."""
    estimates = wasserstein_estimates(losses)
    fig, ax = plt.subplots()
    ax.plot(np.arange(1, len(estimates) + 1), estimates, marker='o')
    ax.set_title('Wasserstein estimate' + (' (negative critic loss, penalty included)' if penalty else ''))
    ax.set_xlabel('Epoch')
    ax.set_ylabel('-(critic loss)')
    ax.grid(True, alpha=0.3)
    return fig


def run_model(run_directory):
    """The model module named in a run's generator_spec.json ('mlp_gan', 'dcgan', 'cgan', 'wgan'), or None."""
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    spec = checkpoints.load_generator_spec(checkpoint_dir) if os.path.isdir(checkpoint_dir) else None
    return spec['model'] if spec else None


def loss_names(run_directory):
    """The names of the two losses in a run's train_losses.pkl, for the losses figure's legend."""
    return ('Critic', 'Generator') if run_model(run_directory) == 'wgan' else ('Discriminator', 'Generator')


def make_family_figures(run_directory, seed=None, log=print):
    """Draw the model-specific figures of a run into DIR/figures/; returns the paths written."""
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    spec = checkpoints.load_generator_spec(checkpoint_dir) if os.path.isdir(checkpoint_dir) else None
    model = spec['model'] if spec else None
    figures_dir = run_dir.path(run_directory, run_dir.FIGURES)
    written = []
    if model == 'cgan':
        labels = np.arange(10)
        samples = sampling.sample_generator(checkpoint_dir, 10, seed=seed, labels=labels)
        written.append(plots.save_figure(digit_samples_figure(samples, labels),
                                         os.path.join(figures_dir, 'digits.png')))
        labels = digit_rows_labels()
        samples = sampling.sample_generator(checkpoint_dir, len(labels), seed=seed, labels=labels)
        written.append(plots.save_figure(digit_rows_figure(samples), os.path.join(figures_dir, 'digits_10x10.png')))
    elif model == 'wgan':
        losses_path = run_dir.path(run_directory, run_dir.LOSSES)
        if os.path.exists(losses_path):
            penalty = spec['kwargs'].get('arch') == 'wgan-gp'
            written.append(plots.save_figure(wasserstein_figure(files.read_pickle(losses_path), penalty),
                                             os.path.join(figures_dir, 'wasserstein.png')))
        else:
            log(f'No {run_dir.LOSSES} in {run_directory}: skipping wasserstein.png.')
    return written
