"""Figures for the two teaching toys: slanted land's 2x2 images and the 1-D version of Figure 1."""
import numpy as np

from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt

# Slanted land's pixels: 0 is white, 1 is black, as the tutorial's `draw_image` shows them (the
# notebook's `view_samples` used 'Greys_r' and per-image scaling, which flips and rescales colours).
PIXEL_CMAP = 'Greys'


def _draw_pixels(ax, image, title=None):
    image = np.reshape(image, (2, 2))
    ax.imshow(image, cmap=PIXEL_CMAP, vmin=0.0, vmax=1.0)
    for (row, col), value in np.ndenumerate(image):
        ax.text(col, row, f'{value:.2f}', ha='center', va='center', fontsize=8,
                color='white' if value > 0.5 else 'black')
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor('0.6')
    if title:
        ax.set_title(title, fontsize=9)


def slanted_faces_and_noise(faces, noise_images):
    """The five faces on top, the random noise images below in a 4x5 grid."""
    fig = plt.figure(figsize=(7, 8), layout='constrained')
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.25, 4], hspace=0.04)
    top.suptitle('Faces in slanted land (dark backslash diagonals)')
    for i, ax in enumerate(top.subplots(1, len(faces))):
        _draw_pixels(ax, faces[i], f'face {i + 1}')
    bottom.suptitle(f'{len(noise_images)} random noise images (uniform pixels)')
    for ax, image in zip(bottom.subplots(4, 5).ravel(), noise_images):
        _draw_pixels(ax, image)
    return fig


def slanted_errors(d_errors, g_errors, steps_per_epoch, d_formula='', title_suffix=''):
    """Generator and discriminator errors at every step, with each epoch's mean on top."""
    fig, (ax_g, ax_d) = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, errors, who, color, formula in (
            (ax_g, g_errors, 'generator', 'tab:green', r'$-\log D(G(z))$'),
            (ax_d, d_errors, 'discriminator', 'tab:blue', d_formula or r'$-\log D(x) - \log(1 - D(G(z)))$')):
        errors = np.asarray(errors)
        steps = np.arange(1, len(errors) + 1)
        epochs = len(errors) // steps_per_epoch
        epoch_means = errors[:epochs * steps_per_epoch].reshape(epochs, steps_per_epoch).mean(axis=1)
        ax.plot(steps, errors, color=color, alpha=0.3, linewidth=0.6, label=f'{who} error, each step')
        ax.plot((np.arange(epochs) + 1) * steps_per_epoch, epoch_means, color=color, linewidth=1.8,
                label=f'{who} error, mean per epoch')
        ax.set_title(f'{who.capitalize()} error: {formula}')
        ax.set_xlabel(f'training step ({steps_per_epoch} faces per epoch)')
        ax.set_ylabel('error')
        ax.legend(loc='best')
        ax.grid(alpha=0.3)
    if title_suffix:
        fig.suptitle(title_suffix, fontsize=10)
    fig.tight_layout()
    return fig


def slanted_generated(images, zs):
    """Images from the trained generator, each titled with its z."""
    fig, axes = plt.subplots(1, len(images), figsize=(2.2 * len(images), 2.8), squeeze=False)
    for ax, image, z in zip(axes.ravel(), images, zs):
        _draw_pixels(ax, image, f'G(z), z = {z:.2f}')
    fig.suptitle('Generated faces after training')
    fig.tight_layout()
    return fig


GAUSSIAN_PANEL_TITLES = {
    'a': '(a) step {a_step}: near convergence,\nD only partly right',
    'b': '(b) (a) + {figure_d_steps} D steps, G fixed:\nD moves towards D*',
    'c': '(c) (b) + {figure_g_steps} G steps, D fixed:\nG(z) flows towards the data',
    'd': '(d) step {steps}: p_g close to p_data,\nD close to 1/2 on the data',
}


def gaussian_figure_1(result):
    """The paper's Figure 1 from a `gaussian_1d.train` result: four panels (a)-(d) in a row.

    Each panel: p_data black dotted, D blue dashed, p_g green solid, D* = p_data / (p_data + p_g)
    (p_g from the density estimate) thin purple dash-dot, and below the x axis the z line with arrows
    z -> x = G(z). The z line has its own scale (uniform z, evenly spaced points).
    """
    cfg = result.config
    snapshots = result.snapshots
    top = max(1.05, max(float(np.max(s.p_g)) for s in snapshots.values()) * 1.05,
              float(np.max(snapshots['a'].p_data)) * 1.05)
    x_line, z_line = -0.12 * top, -0.42 * top
    fig, axes = plt.subplots(1, 4, figsize=(19, 5.6), sharey=True)
    for ax, label in zip(axes, 'abcd'):
        s = snapshots[label]
        x = s.x
        pad = 0.06 * (x[-1] - x[0])
        z_pos = x[0] + pad + (s.z_line - cfg.z_low) / (cfg.z_high - cfg.z_low) * (x[-1] - x[0] - 2 * pad)
        ax.plot(x, s.p_data, color='black', linestyle=':', linewidth=2.2, label=r'$p_{data}$ (data)')
        ax.plot(x, s.d, color='tab:blue', linestyle='--', linewidth=2.0, label='D(x) (discriminator)')
        ax.plot(x, s.p_g, color='tab:green', linestyle='-', linewidth=2.0,
                label=r'$p_g$ (generator, density estimate)')
        ax.plot(x, s.d_star, color='tab:purple', linestyle='-.', linewidth=1.1, alpha=0.9,
                label=r'$D^* = p_{data} / (p_{data} + p_g)$')
        # The two domains and the mapping x = G(z).
        ax.axhline(x_line, color='0.3', linewidth=1.0)
        ax.plot([z_pos[0], z_pos[-1]], [z_line, z_line], color='0.3', linewidth=1.0)
        ax.plot(z_pos, np.full_like(z_pos, z_line), 'o', color='0.3', markersize=2.5)
        visible = (s.g_of_z_line >= x[0]) & (s.g_of_z_line <= x[-1])
        for zp, gx in zip(z_pos[visible], s.g_of_z_line[visible]):
            ax.annotate('', xy=(gx, x_line), xytext=(zp, z_line),
                        arrowprops=dict(arrowstyle='->', color='tab:green', alpha=0.55, linewidth=0.8))
        ax.text(x[-1], x_line + 0.02 * top, 'x  ', fontsize=10, style='italic', ha='right', va='bottom')
        ax.text(x[-1], z_line + 0.02 * top, 'z  ', fontsize=10, style='italic', ha='right', va='bottom')
        ax.text(z_pos[0], z_line - 0.03 * top, f'{cfg.z_low:g}', fontsize=8, ha='center', va='top')
        ax.text(z_pos[-1], z_line - 0.03 * top, f'{cfg.z_high:g}', fontsize=8, ha='center', va='top')
        title = GAUSSIAN_PANEL_TITLES[label].format(
            a_step=snapshots['a'].step, figure_d_steps=cfg.figure_d_steps,
            figure_g_steps=cfg.figure_g_steps, steps=cfg.steps)
        ax.set_title(f'{title}\nmean |D - D*| = {s.d_star_error:.3f};  p_g mean {s.g_mean:.2f}, std {s.g_std:.2f}',
                     fontsize=10)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(z_line - 0.12 * top, top)
        ax.set_yticks(np.arange(0.0, top, 0.5))
        ax.set_xlabel('x')
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='lower center', ncol=4, frameon=False)
    fig.suptitle(f'Figure 1 in 1-D: data N({cfg.data_mean:g}, {cfg.data_std:g}^2), '
                 f'z ~ U({cfg.z_low:g}, {cfg.z_high:g}), k = {cfg.d_steps} D steps per G step', fontsize=12)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    return fig


def save(fig, path):
    return plots.save_figure(fig, path)
