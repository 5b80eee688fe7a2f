"""A VAE run's figures: reconstructions beside their test inputs, samples from the prior, and with a
2-D latent space the two classic pictures: the decoded manifold and the test set's latent means.

The manifold decodes a 20x20 grid of z = (Phi^-1(q1), Phi^-1(q2)) over quantiles q evenly spaced in
[0.05, 0.95] (so equal areas of prior mass per cell, as Kingma's and Keras' figures). Both 2-D figures
put z[0] on the horizontal axis and z[1] on the vertical one, growing upwards, so they overlay.
"""
import math
import os

import numpy as np

from gan_graph.data import mnist
from gan_graph.evaluate import vae as vae_eval
from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.train import run_dir, sampling

NUM_RECONSTRUCTED = 20      # the first test images, always the same ones
MANIFOLD_SIDE = 20
QUANTILES = (0.05, 0.95)


def inverse_normal_cdf(probabilities, iterations=60):
    """Phi^-1(p) for p in (0, 1), numpy only: Newton's method on Phi(x) = (1 + erf(x / sqrt 2)) / 2."""
    probabilities = np.asarray(probabilities, np.float64)
    erf = np.vectorize(math.erf)
    x = np.zeros_like(probabilities)
    for _ in range(iterations):
        cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        x = x - (cdf - probabilities) / pdf
    return x


def manifold_axis(side=MANIFOLD_SIDE, quantiles=QUANTILES):
    return inverse_normal_cdf(np.linspace(quantiles[0], quantiles[1], side))


def manifold_grid(axis):
    """The z of each cell, (rows * cols, 2), row-major from the top-left: z[0] grows to the right, z[1]
    upwards (the top row has the largest z[1])."""
    z0, z1 = np.meshgrid(axis, axis[::-1])
    return np.stack([z0.ravel(), z1.ravel()], axis=1)


def tile(images, rows, cols):
    """(rows * cols, H, W[, 1]) -> one (rows * H, cols * W) image."""
    images = np.asarray(images).reshape(rows, cols, *np.shape(images)[1:3])
    return images.transpose(0, 2, 1, 3).reshape(rows * images.shape[2], cols * images.shape[3])


def manifold_figure(decoded, axis):
    side = len(axis)
    fig, ax = plt.subplots(figsize=(9, 9))
    half = (axis[1] - axis[0]) / 2
    ax.imshow(tile(decoded, side, side), cmap='Greys_r', vmin=0, vmax=1,
              extent=(axis[0] - half, axis[-1] + half, axis[0] - half, axis[-1] + half))
    ax.set_xlabel('z[0]')
    ax.set_ylabel('z[1]')
    ax.set_title(f'Decoded manifold: z = Phi^-1 of quantiles {QUANTILES[0]}-{QUANTILES[1]}')
    return fig


def latent_means_figure(means, labels):
    fig, ax = plt.subplots(figsize=(8, 7))
    points = ax.scatter(means[:, 0], means[:, 1], c=labels, cmap='tab10', s=2, vmin=-0.5, vmax=9.5)
    fig.colorbar(points, ax=ax, ticks=range(10), label='digit')
    ax.set_xlabel('z[0]')
    ax.set_ylabel('z[1]')
    ax.set_title(f'Latent means of the {len(means)} test images')
    return fig


def tiled_figure(images, rows, cols, title, figsize):
    """One image of rows x cols digits (one imshow, not a subplot each: quick to draw)."""
    fig, ax = plt.subplots(figsize=figsize)
    ax.imshow(tile(images, rows, cols), cmap='Greys_r', vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return fig


def reconstructions_figure(inputs, reconstructions, per_row=10):
    """Rows of inputs, each followed by the row of their reconstructions."""
    pairs = []
    for start in range(0, len(inputs), per_row):
        pairs += [inputs[start:start + per_row], reconstructions[start:start + per_row]]
    fig = tiled_figure(np.concatenate(pairs), len(pairs), per_row, 'Test images and the decoded means of their codes',
                       figsize=(per_row * 0.8, len(pairs) * 0.9))
    ax = fig.axes[0]
    ax.set_yticks(np.arange(len(pairs)) * 28 + 13.5)
    ax.set_yticklabels(['input', 'decoded'] * (len(pairs) // 2), fontsize=8)
    return fig


def prior_samples_figure(samples, side=10):
    return tiled_figure(samples[:side * side], side, side, 'Decoded samples from the prior N(0, I)', figsize=(7, 7))


def vae_figures(run_directory, record, figures_dir, seed, log, data_dir=mnist.DEFAULT_DATA_DIR):
    """reconstructions.png, prior_samples.png and, with z_dim 2, manifold.png and latent_means.png."""
    written = []
    samples = sampling.sample_generator(run_dir.checkpoint_dir(run_directory), 100, seed=seed)
    written.append(plots.save_figure(prior_samples_figure(samples), os.path.join(figures_dir, 'prior_samples.png')))
    with vae_eval.restored(run_directory) as model:
        images, labels = vae_eval.test_images(model.description, data_dir)
        inputs = images[:NUM_RECONSTRUCTED]
        written.append(plots.save_figure(reconstructions_figure(model.observe(inputs), model.reconstruct(inputs)),
                                         os.path.join(figures_dir, 'reconstructions.png')))
        if model.description.inputs['z'].size == 2:
            axis = manifold_axis()
            written.append(plots.save_figure(manifold_figure(model.decode(manifold_grid(axis)), axis),
                                             os.path.join(figures_dir, 'manifold.png')))
            means = model.encode(images)[0]
            written.append(plots.save_figure(latent_means_figure(means, labels),
                                             os.path.join(figures_dir, 'latent_means.png')))
    return written
