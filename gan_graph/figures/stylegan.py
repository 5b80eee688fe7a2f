"""The StyleGAN figures, from a run's Gs (checkpoints/generator.ckpt), as the paper draws them:

- style mixing: source A rows x source B columns; each cell is A's w with the layers of one range
  taken from B: coarse (layers 0-2: 4x4 and 8x8's first), middle (2-4), fine (4-8: 16x16 and 32x32);
- truncation: rows of z, columns psi in {1, 0.7, 0.5, 0, -0.5, -1}: w_avg + psi (w - w_avg);
- noise: one w, 16 draws of the per-layer noise, and the per-pixel standard deviation over them.
Mixing and truncation fix the noise images (noise_seed), as the reference's figures do.
"""
import os

import numpy as np
import tensorflow as tf

from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.models import stylegan
from gan_graph.nn import averaging
from gan_graph.train import checkpoints, manifest, run_dir, session as session_lib

v1 = tf.compat.v1

STYLE_RANGES = (('coarse', range(0, 2)), ('middle', range(2, 4)), ('fine', range(4, 8)))
TRUNCATION_PSIS = (1.0, 0.7, 0.5, 0.0, -0.5, -1.0)
NOISE_DRAWS = 16


class GsFunctions(session_lib.OwnSession):
    """Gs restored from generator.ckpt, as numpy functions: z -> w, w_avg, dlatents -> images."""

    def __init__(self, checkpoint_dir, record, seed=0):
        description = manifest.describe(record)
        kwargs = description.networks['Gs'].kwargs
        self.z_size = description.inputs['z'].size
        self.num_layers = stylegan.num_style_layers()
        self.graph = tf.Graph()
        with self.graph.as_default():
            v1.set_random_seed(seed)
            self.z = v1.placeholder(tf.float32, (None, self.z_size))
            self.dlatents = v1.placeholder(tf.float32, (None, self.num_layers, kwargs['mapping_kwargs']['dlatent_size']))
            with averaging.averaged(stylegan.GS_SCOPE):
                self.w = stylegan.mapping(self.z, track_average=False, **kwargs['mapping_kwargs'])
                self.w_avg = stylegan.dlatent_average()
                self.fixed_noise = stylegan.synthesis(self.dlatents, noise_seed=seed, **kwargs['synthesis_kwargs'])
                self.fresh_noise = stylegan.synthesis(self.dlatents, **kwargs['synthesis_kwargs'])
            self.session = v1.Session()
            checkpoints.restore(self.session, v1.train.Saver(v1.global_variables()),
                                checkpoints.find_generator_checkpoint(checkpoint_dir))

    def mapping(self, z):
        return self.session.run(self.w, {self.z: z})

    def average(self):
        return self.session.run(self.w_avg)

    def synthesis(self, dlatents, fresh_noise=False):
        return self.session.run(self.fresh_noise if fresh_noise else self.fixed_noise, {self.dlatents: dlatents})


def styles(w, num_layers):
    """w (N, D) -> (N, num_layers, D)."""
    return np.repeat(w[:, None], num_layers, axis=1)


def mixed_styles(w_a, w_b, layers, num_layers):
    """(len(A), len(B), num_layers, D): A's styles with `layers` copied from B's."""
    mixed = np.repeat(styles(w_a, num_layers)[:, None], len(w_b), axis=1)
    mixed[:, :, list(layers)] = styles(w_b, num_layers)[None, :, list(layers)]
    return mixed


def truncated_styles(w, w_avg, psis, num_layers):
    """(len(w), len(psis), num_layers, D): w_avg + psi (w - w_avg) in every layer."""
    psis = np.asarray(psis, np.float32)[None, :, None]
    truncated = w_avg + psis * (w[:, None] - w_avg)
    return np.repeat(truncated[:, :, None], num_layers, axis=2)


def show(ax, image, title=None):
    ax.imshow(np.squeeze(image), cmap='gray', vmin=-1, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)


def style_mixing_figure(images_a, images_b, mixed):
    """One block per style range: B's images across the top, A's down the left, the mixes between."""
    rows, cols = len(images_a) + 1, len(images_b) + 1
    fig = plt.figure(figsize=(cols * 1.1, len(mixed) * rows * 1.15))
    for subfig, (name, layers, cells) in zip(fig.subfigures(len(mixed), 1), mixed):
        axes = subfig.subplots(rows, cols, squeeze=False)
        axes[0, 0].axis('off')
        for col, image in enumerate(images_b, 1):
            show(axes[0, col], image, 'B' if col == 1 else None)
        for row, image in enumerate(images_a, 1):
            show(axes[row, 0], image)
            axes[row, 0].set_ylabel('A', fontsize=8)
            for col in range(1, cols):
                show(axes[row, col], cells[row - 1, col - 1])
        subfig.suptitle(f'{name} styles (layers {layers.start}-{layers.stop}) from B', fontsize=9)
    return fig


def truncation_figure(images, psis):
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.2), squeeze=False)
    for row in range(rows):
        for col in range(cols):
            show(axes[row, col], images[row, col], f'psi = {psis[col]:g}' if row == 0 else None)
    fig.suptitle('Truncation: w_avg + psi (w - w_avg)', fontsize=9)
    return fig


def noise_figure(draws):
    """The draws in two rows, then their mean and per-pixel standard deviation."""
    cols = (len(draws) + 1) // 2
    fig, axes = plt.subplots(3, cols, figsize=(cols * 1.1, 3 * 1.2), squeeze=False)
    for ax, image in zip(axes[:2].flatten(), draws):
        show(ax, image)
    show(axes[2, 0], draws.mean(axis=0), 'mean')
    spread = axes[2, 1].imshow(np.squeeze(draws.std(axis=0)), cmap='magma')
    axes[2, 1].set_xticks([])
    axes[2, 1].set_yticks([])
    axes[2, 1].set_title('per-pixel std', fontsize=8)
    fig.colorbar(spread, ax=axes[2, 1], fraction=0.046)
    for ax in axes[2, 2:]:
        ax.axis('off')
    fig.suptitle(f'One w, {len(draws)} draws of the noise inputs', fontsize=9)
    return fig


def stylegan_figures(run_directory, record, figures_dir, seed, log, num_a=3, num_b=5, truncation_rows=4):
    """style_mixing.png, truncation.png and noise.png in `figures_dir`; returns the paths."""
    seed = 0 if seed is None else seed
    rng = np.random.RandomState(seed)
    with GsFunctions(run_dir.checkpoint_dir(run_directory), record, seed) as gs:
        w_a, w_b = gs.mapping(rng.normal(size=(num_a, gs.z_size))), gs.mapping(rng.normal(size=(num_b, gs.z_size)))
        images_a, images_b = gs.synthesis(styles(w_a, gs.num_layers)), gs.synthesis(styles(w_b, gs.num_layers))
        mixed = [(name, layers, render(gs, mixed_styles(w_a, w_b, layers, gs.num_layers)))
                 for name, layers in STYLE_RANGES]
        w = gs.mapping(rng.normal(size=(truncation_rows, gs.z_size)))
        truncated = render(gs, truncated_styles(w, gs.average(), TRUNCATION_PSIS, gs.num_layers))
        one = styles(gs.mapping(rng.normal(size=(1, gs.z_size))), gs.num_layers)
        draws = gs.synthesis(np.repeat(one, NOISE_DRAWS, axis=0), fresh_noise=True)
    return [plots.save_figure(style_mixing_figure(images_a, images_b, mixed),
                              os.path.join(figures_dir, 'style_mixing.png')),
            plots.save_figure(truncation_figure(truncated, TRUNCATION_PSIS), os.path.join(figures_dir, 'truncation.png')),
            plots.save_figure(noise_figure(draws), os.path.join(figures_dir, 'noise.png'))]


def render(gs, dlatents):
    """Images for dlatents (rows, cols, num_layers, D): (rows, cols, H, W, C)."""
    rows, cols = dlatents.shape[:2]
    images = gs.synthesis(dlatents.reshape((rows * cols,) + dlatents.shape[2:]))
    return images.reshape((rows, cols) + images.shape[1:])
