"""The figures particular to one model of the family, drawn from a run directory.

cgan: the tutorial's `sample_images` (2x5 grid, one digit each, titled "Digit: d") and a 10x10
grid, row d holding ten samples of digit d. wgan: the critic's Wasserstein estimate per epoch. stylegan:
style mixing, truncation and noise (figures/stylegan.py). keras_dcgan: the reference's
generated_image.png, plain and --nice (figures/keras_dcgan.py). cyclegan: both translation cycles and
the PatchGAN maps (figures/cyclegan.py). voxel_gan: 3-D renders, an interpolation and D's accuracy
(figures/voxel_gan.py). vae: reconstructions, prior samples, and with a 2-D latent space the manifold
and the latent means (figures/vae.py).
`family_figures` draws whichever the run's manifest (run.json) calls for (nothing for the MLP GAN).
"""
import os

import numpy as np

from gan_graph.figures import cyclegan as cyclegan_figures
from gan_graph.figures import grid as plots
from gan_graph.figures import stylegan as stylegan_figures
from gan_graph.figures import keras_dcgan as keras_dcgan_figures
from gan_graph.figures import voxel_gan as voxel_figures
from gan_graph.figures import vae as vae_figures
from gan_graph.figures.grid import plt
from gan_graph.train import files
from gan_graph.train import manifest
from gan_graph.train import run_dir
from gan_graph.train import sampling

# What the original notebook logged; its directories have no manifest to say so.
NOTEBOOK_LOSS_NAMES = ('Discriminator', 'Generator')


def digit_samples_figure(samples, labels, rows=2, cols=5, image_shape=plots.MNIST_IMAGE_SHAPE):
    """Keras-GAN `sample_images`: `plt.subplots(r, c)`, images rescaled 0.5 x + 0.5, cmap gray,
    each titled "Digit: d", axes off."""
    fig, axs = plt.subplots(rows, cols, squeeze=False)
    images = 0.5 * np.reshape(samples, (-1,) + tuple(image_shape)) + 0.5
    for cnt, ax in enumerate(axs.flatten()):
        ax.imshow(images[cnt], cmap='gray')
        ax.set_title('Digit: %d' % labels[cnt])
        ax.axis('off')
    return fig


def digit_rows_figure(samples, per_digit=10, image_shape=plots.MNIST_IMAGE_SHAPE):
    """10 rows of `per_digit` samples: row d holds samples conditioned on digit d."""
    fig, axes = plots.image_grid(samples, nrows=10, ncols=per_digit, figsize=(per_digit * 0.8, 8),
                                 image_shape=image_shape, cmap='gray')
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


def loss_names(run_directory):
    """The names of the losses in a run's train_losses.pkl, in column order, for the figures' legends."""
    record = manifest.read(run_directory)
    return tuple(record['losses']) if record else NOTEBOOK_LOSS_NAMES


def run_record(run_directory):
    """The run's manifest: its run.json, or inferred from a checkpoint of the original notebook."""
    return sampling.run_manifest(run_dir.checkpoint_dir(run_directory))


def run_image_shape(record):
    """How one example of the run's data is drawn (imshow's shape)."""
    return plots.display_shape(manifest.data_spec(record))


def cgan_figures(run_directory, record, figures_dir, seed, log):
    checkpoint_dir, image_shape = run_dir.checkpoint_dir(run_directory), run_image_shape(record)
    labels = np.arange(10)
    samples = sampling.sample_generator(checkpoint_dir, len(labels), seed=seed, labels=labels)
    yield plots.save_figure(digit_samples_figure(samples, labels, image_shape=image_shape),
                            os.path.join(figures_dir, 'digits.png'))
    labels = digit_rows_labels()
    samples = sampling.sample_generator(checkpoint_dir, len(labels), seed=seed, labels=labels)
    yield plots.save_figure(digit_rows_figure(samples, image_shape=image_shape),
                            os.path.join(figures_dir, 'digits_10x10.png'))


def wgan_figures(run_directory, record, figures_dir, seed, log):
    losses_path = run_dir.path(run_directory, run_dir.LOSSES)
    if not os.path.exists(losses_path):
        log(f'No {run_dir.LOSSES} in {run_directory}: skipping wasserstein.png.')
        return []
    penalty = record['hparams'].get('mode') == 'wgan-gp'
    return [plots.save_figure(wasserstein_figure(files.read_pickle(losses_path), penalty),
                              os.path.join(figures_dir, 'wasserstein.png'))]


def family_figures(run_directory, seed=None, log=print, record=None):
    """Draw the model-specific figures of a run into DIR/figures/; yields the paths written, each as it is
    written where the model's figures yield them.

    `record`: the run's manifest, where the caller has read it already."""
    record = record or run_record(run_directory)
    draw = FIGURES_BY_MODEL.get(record['model'])
    if draw is not None:
        yield from draw(run_directory, record, run_dir.path(run_directory, run_dir.FIGURES), seed, log)


# model (run.json's "model") -> its figures, each called as f(run_directory, record, figures_dir, seed, log):
# the paths written, as a list or yielded as each is written
FIGURES_BY_MODEL = {'cgan': cgan_figures, 'wgan': wgan_figures, 'stylegan': stylegan_figures.stylegan_figures,
                    'keras_dcgan': keras_dcgan_figures.keras_dcgan_figures,
                    'cyclegan': cyclegan_figures.cyclegan_figures, 'voxel_gan': voxel_figures.voxel_gan_figures,
                    'vae': vae_figures.vae_figures}
