"""CycleGAN's figures: both cycles on fixed test examples, and what the PatchGAN discriminators see.

translations.png: for the first 8 test digits and the first 8 test outlines, rows real a, G(a), F(G(a)),
then real b, F(b), G(F(b)), from the final checkpoint. cycles/epoch_NNN.png: the same rows as each epoch
left them (the run's train_samples.pkl keeps them). patch_maps.png: each discriminator's map of patch
scores (least squares: 1 real, 0 fake; the tutorial variant's as probabilities) on one real image of its
domain and on one translation into it.
"""
import os

import numpy as np

from gan_graph.evaluate import cyclegan as cyclegan_eval
from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.models import cyclegan as cyclegan_model
from gan_graph.train import files, run_dir

NUM_EXAMPLES = cyclegan_model.EPOCH_EXAMPLES   # the examples of translations.png are those each epoch keeps
ROW_TITLES = ('digit a', 'G(a)', 'F(G(a))', 'outline b', 'F(b)', 'G(F(b))')


def translation_rows(a, b, outputs):
    return [a, outputs['fake_b'], outputs['reconstructed_a'], b, outputs['fake_a'], outputs['reconstructed_b']]


def translations_figure(rows, spec, heading='A -> B -> A (top three rows) and B -> A -> B (bottom three)'):
    """Rows of images in the data's value range, titled as ROW_TITLES."""
    ncols = len(rows[0])
    fig, axes = plt.subplots(len(rows), ncols, figsize=(ncols * 0.9, len(rows) * 0.95), squeeze=False)
    for row, title, ax_row in zip(rows, ROW_TITLES, axes):
        for image, ax in zip(row, ax_row):
            ax.imshow(spec.to_unit(image)[..., 0], cmap='gray', vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        ax_row[0].set_ylabel(title, rotation=0, ha='right', va='center', fontsize=9)
    fig.suptitle(heading, fontsize=10)
    return fig


def patch_maps_figure(panels, spec):
    """panels: (title, image, map of scores) tuples; each image beside its discriminator's map."""
    fig, axes = plt.subplots(len(panels), 2, figsize=(5, 2.3 * len(panels)), squeeze=False)
    for (title, image, scores), (image_ax, map_ax) in zip(panels, axes):
        image_ax.imshow(spec.to_unit(image)[..., 0], cmap='gray', vmin=0, vmax=1)
        image_ax.set_title(title, fontsize=9)
        shown = map_ax.imshow(scores[..., 0], cmap='viridis', vmin=0, vmax=1)
        map_ax.set_title(f'patch scores, mean {scores.mean():.2f}', fontsize=9)
        fig.colorbar(shown, ax=map_ax, fraction=0.046)
        for ax in (image_ax, map_ax):
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    return fig


def epoch_figures(run_directory, spec, figures_dir, log):
    """cycles/epoch_NNN.png from the rows each epoch kept; nothing (and a line saying why) for a run
    whose train_samples.pkl holds G(a) only, as runs before the rows were kept."""
    path = run_dir.path(run_directory, run_dir.SAMPLES)
    epochs = files.read_pickle(path) if os.path.exists(path) else []
    kept = [len(samples) for samples in epochs]
    if not epochs or set(kept) != {len(ROW_TITLES) * NUM_EXAMPLES}:
        log(f'{path} holds no epoch rows of {len(ROW_TITLES)} x {NUM_EXAMPLES} images (found {sorted(set(kept))} '
            f'images an epoch): skipping cycles/epoch_NNN.png.')
        return []
    return [plots.save_figure(translations_figure(np.split(samples, len(ROW_TITLES)), spec,
                                                  f'After epoch {epoch} of {len(epochs)}: A -> B -> A, B -> A -> B'),
                              os.path.join(figures_dir, 'cycles', f'epoch_{epoch:03d}.png'))
            for epoch, samples in enumerate(epochs, 1)]


def cyclegan_figures(run_directory, record, figures_dir, seed, log, examples=None):
    """examples: (digits, outlines) to translate, the first 8 of each; default the test split's."""
    with cyclegan_eval.Translator(run_directory) as restored:
        spec = restored.description.data
        a, b = examples or cyclegan_eval.test_domains(restored.description)[:2]
        a, b = a[:NUM_EXAMPLES], b[:NUM_EXAMPLES]
        outputs = restored.translate(a, b)
        real = restored.patch_scores(a, b)
        fake = restored.patch_scores(outputs['fake_a'], outputs['fake_b'])
    if restored.description.hparams['variant'] == 'tutorial':  # cross-entropy: logits, shown as probabilities
        real, fake = ({key: 1 / (1 + np.exp(-value)) for key, value in maps.items()} for maps in (real, fake))
    panels = [('real digit, D_A', a[0], real['a'][0]), ('F(b), D_A', outputs['fake_a'][0], fake['a'][0]),
              ('real outline, D_B', b[0], real['b'][0]), ('G(a), D_B', outputs['fake_b'][0], fake['b'][0])]
    return [plots.save_figure(translations_figure(translation_rows(a, b, outputs), spec),
                              os.path.join(figures_dir, 'translations.png')),
            plots.save_figure(patch_maps_figure(panels, spec), os.path.join(figures_dir, 'patch_maps.png'))] \
        + epoch_figures(run_directory, spec, figures_dir, log)
