"""Compare runs side by side: loss curves, final samples, metrics, class histograms, nearest neighbours.

Any mix of our run directories and ones written by the original notebook (which saved no losses).
Writes PNGs, `report.md` (which shows them) and `metrics.json` (every run's record) into one folder.
"""
import json
import os

import numpy as np

from gan_graph.evaluate import evaluation
from gan_graph.evaluate import judge as judge_module
from gan_graph.evaluate import metrics
from gan_graph.figures import grid as plots
from gan_graph.figures.grid import plt
from gan_graph.train import checkpoints
from gan_graph.train import files
from gan_graph.train import manifest
from gan_graph.train import run_dir
from gan_graph.train import sampling

LOSSES_PNG = 'losses.png'
SAMPLES_PNG = 'samples.png'
METRICS_PNG = 'metrics.png'
HISTOGRAMS_PNG = 'class_histograms.png'
NEIGHBOURS_PNG = 'nearest_neighbours.png'
REPORT = 'report.md'
NUM_NEIGHBOURS_SHOWN = 8


def run_names(run_dirs):
    """Short distinct labels: the directory's name, with its parent's where names repeat."""
    paths = [os.path.normpath(os.path.abspath(d)) for d in run_dirs]
    names = [os.path.basename(p) for p in paths]
    if len(set(names)) < len(names):
        names = [os.path.join(os.path.basename(os.path.dirname(p)), os.path.basename(p)) for p in paths]
    if len(set(names)) < len(names):
        names = [f'{name} ({i + 1})' for i, name in enumerate(names)]
    return names


def read_losses(run_directory):
    path = run_dir.path(run_directory, run_dir.LOSSES)
    return np.array(files.read_pickle(path), dtype=np.float64).reshape(-1, 2) if os.path.exists(path) else None


def run_data_spec(run_directory):
    return manifest.data_spec(sampling.run_manifest(run_dir.checkpoint_dir(run_directory)))


def keeps_generator_samples(run_directory):
    """Whether train_samples.pkl holds the generator's samples: not for a model whose epochs keep rows of
    several networks (CycleGAN's cycles)."""
    record = manifest.read(run_directory)
    return record is None or manifest.describe(record).epoch_rows is None


def final_samples(run_directory, seed, data_spec):
    """The last epoch's 16 samples from train_samples.pkl (the notebook's figure), else 16 from the
    checkpoint; as the judge takes them (flat, in [-1, 1])."""
    path = run_dir.path(run_directory, run_dir.SAMPLES)
    if os.path.exists(path) and keeps_generator_samples(run_directory):
        samples = files.read_pickle(path)
        if len(samples):
            last = np.asarray(samples[-1], np.float32)[:16]
            return evaluation.judge_input(last, data_spec), f'epoch {len(samples)} (train_samples.pkl)'
    return evaluation.run_samples(run_directory, 16, seed), 'from the checkpoint'


def losses_figure(names, losses):
    """Discriminator and generator losses per epoch, one line per run that saved them."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for i, (name, run_losses) in enumerate(zip(names, losses)):
        if run_losses is None:
            continue
        epochs = np.arange(1, len(run_losses) + 1)
        for ax, column in zip(axes, (0, 1)):
            ax.plot(epochs, run_losses[:, column], color=colors[i % len(colors)], label=name,
                    marker=plots.epoch_marker(len(epochs)))
    for ax, title in zip(axes, ('Discriminator loss', 'Generator loss')):
        ax.set_title(title)
        ax.set_xlabel('Epoch')
        ax.legend(fontsize=8)
    missing = [name for name, run_losses in zip(names, losses) if run_losses is None]
    if missing:
        fig.suptitle(f'No losses saved by: {", ".join(missing)} (the original notebook does not save them)',
                     fontsize=9)
    fig.tight_layout()
    return fig


def samples_figure(names, sample_sets, captions, image_shapes):
    """Each run's 16 final samples as the notebook's 4x4 Greys_r grid, next to each other."""
    fig = plt.figure(figsize=(3.2 * len(names), 3.7))
    subfigures = np.atleast_1d(fig.subfigures(1, len(names)))
    for subfig, name, samples, caption, image_shape in zip(subfigures, names, sample_sets, captions, image_shapes):
        axes = subfig.subplots(4, 4, sharex=True, sharey=True)
        for ax, img in zip(axes.flatten(), samples):
            ax.imshow(np.reshape(img, image_shape), cmap='Greys_r')
            ax.xaxis.set_visible(False)
            ax.yaxis.set_visible(False)
        subfig.suptitle(f'{name}\n{caption}', fontsize=9)
    return fig


def histograms_figure(names, records):
    """Predicted-digit histograms as grouped bars, the test images' in grey, 10% and 5% marked."""
    fig, ax = plt.subplots(figsize=(max(8, 1.2 * (len(names) + 1) * 2), 4.5))
    groups = [(name, record['metrics']['class_histogram']) for name, record in zip(names, records)]
    groups.append(('test images', records[0]['reference']['class_histogram']))
    width = 0.8 / len(groups)
    digits = np.arange(10)
    for i, (name, histogram) in enumerate(groups):
        color = '0.6' if name == 'test images' else None
        ax.bar(digits - 0.4 + width * (i + 0.5), np.asarray(histogram) * 100, width, label=name, color=color)
    ax.axhline(10, color='k', linestyle='--', linewidth=0.8, label='uniform (10%)')
    ax.axhline(100 * metrics.MODE_THRESHOLD, color='r', linestyle=':', linewidth=0.8, label='mode threshold (5%)')
    ax.set_xticks(digits)
    ax.set_xlabel('digit predicted by the judge')
    ax.set_ylabel('% of samples')
    ax.set_title('Predicted classes')
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def metrics_figure(names, records):
    """The metric table as an image."""
    header, rows = evaluation.table_rows(records, names)
    width = 2.6 + sum(max(1.0, 0.09 * max(len(str(row[i])) for row in [header, *rows])) for i in range(1, len(header)))
    fig, ax = plt.subplots(figsize=(width, 0.32 * (len(rows) + 1) + 0.2))
    ax.axis('off')
    widths = [2.4 / width] + [(1 - 2.4 / width) / (len(header) - 1)] * (len(header) - 1)
    table = ax.table(cellText=rows, colLabels=header, cellLoc='right', colLoc='right', colWidths=widths,
                     bbox=[0, 0, 1, 1])
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    for (row, column), cell in table.get_celld().items():
        if column == 0:
            cell.get_text().set_horizontalalignment('left')
        if row == 0:
            cell.get_text().set_fontweight('bold')
    fig.subplots_adjust(left=0.01, right=0.99, top=0.98, bottom=0.02)
    return fig


def neighbours_figure(names, sample_sets, train_images):
    """For each run: final samples (top row) over their nearest training images (bottom row).

    Both are the judge's input, flat: drawn as the judge sees them."""
    count = NUM_NEIGHBOURS_SHOWN
    fig, axes = plt.subplots(2 * len(names), count, figsize=(count * 1.1, 2.5 * len(names)), squeeze=False)
    for i, (name, samples) in enumerate(zip(names, sample_sets)):
        shown = metrics.check_images(samples[:count])
        distances, indices = metrics.nearest_neighbours(shown, train_images)
        for j in range(count):
            for row, image, label in ((2 * i, shown[j] if j < len(shown) else None, None),
                                      (2 * i + 1, train_images[indices[j]] if j < len(shown) else None,
                                       f'{distances[j]:.1f}' if j < len(shown) else None)):
                ax = axes[row, j]
                ax.set_xticks([])
                ax.set_yticks([])
                if image is None:
                    ax.axis('off')
                    continue
                ax.imshow(image.reshape(judge_module.IMAGE_SHAPE), cmap='Greys_r', vmin=-1, vmax=1)
                if label:
                    ax.set_xlabel(label, fontsize=7)
        axes[2 * i, 0].set_ylabel(name, fontsize=8)
        axes[2 * i + 1, 0].set_ylabel('nearest\ntrain', fontsize=8)
    fig.suptitle('Samples (upper rows) and their nearest training images (lower rows, L2 distance)', fontsize=9)
    fig.tight_layout()
    return fig


def describe(record):
    return (f'{record["generator"]} generator, {evaluation.epochs_text(record["epochs"])}, '
            f'written by {record["written_by"]}')


def report_markdown(names, records, losses, captions, written):
    first = records[0]
    lines = ['# Run comparison', '',
             '| run | directory | generator | epochs | written by |', '|---|---|---|---|---|']
    for name, record in zip(names, records):
        epochs = record['epochs'] if record['epochs'] is not None else '?'
        lines.append(f'| {name} | `{record["run_dir"]}` | {record["generator"]} | {epochs} | {record["written_by"]} |')
    lines += ['', '## Metrics', '',
              f'{first["num_samples"]} samples per run from each generator checkpoint (noise seed {first["seed"]}), '
              f'judged by the MNIST CNN in `data/judge/` (test accuracy {100 * first["judge"]["test_accuracy"]:.2f}%). '
              'Real data: the classifier score of the 10,000 test images (the ceiling) and the Fréchet distance of '
              f'{first["reference"]["frechet_distance_num_images"]} training images to the test images '
              '(the floor).', '',
              evaluation.markdown_table(records, names), '',
              '- classifier score: exp(mean KL(p(y|x) ‖ p(y))) on the judge\'s softmax, max 10 (higher is better);',
              '- Fréchet distance: between Gaussians fitted to the judge\'s 128 penultimate features of the samples '
              'and of the test images (lower is better). These numbers use our MNIST judge: they are not '
              'comparable with Inception-based FIDs in papers;',
              '- modes covered: digits holding at least 5% of the samples; KL(classes ‖ uniform) in nats '
              '(0: all ten equally often, 2.303: one digit only);',
              f'- NN fraction: share of samples nearer (L2, pixels in [-1, 1]) to a training image than 95% of '
              f'test images are (threshold {first["metrics"]["nn_threshold"]:.3f}): about 0.05 for novel samples, '
              'near 1 for a generator that copies its training set.', '']
    lines += ['## Losses', '']
    if LOSSES_PNG in written:
        missing = [name for name, run_losses in zip(names, losses) if run_losses is None]
        lines.append(f'![losses]({LOSSES_PNG})')
        if missing:
            lines += ['', f'No `train_losses.pkl` in: {", ".join(missing)} '
                          '(the original notebook does not save losses).']
    else:
        lines.append('No run saved its losses (`train_losses.pkl`; the original notebook does not save them).')
    lines += ['', '## Final samples', '', f'![samples]({SAMPLES_PNG})', '']
    lines += [f'- {name}: {caption}' for name, caption in zip(names, captions)]
    lines += ['', '## Predicted classes', '', f'![class histograms]({HISTOGRAMS_PNG})', '',
              '| digit | ' + ' | '.join(names) + ' | test images |', '|---|' + '---|' * (len(names) + 1)]
    for digit in range(10):
        cells = [f'{100 * record["metrics"]["class_histogram"][digit]:.1f}%' for record in records]
        cells.append(f'{100 * first["reference"]["class_histogram"][digit]:.1f}%')
        lines.append(f'| {digit} | ' + ' | '.join(cells) + ' |')
    lines += ['', '## Nearest training images', '', f'![nearest neighbours]({NEIGHBOURS_PNG})', '',
              'The final samples above their nearest training images: a copy would look identical.', '',
              f'The metric table as an image: `{METRICS_PNG}`; every run\'s record: `metrics.json`.', '']
    return '\n'.join(lines)


def compare(run_dirs, output_dir, num_samples=evaluation.DEFAULT_NUM_SAMPLES, seed=evaluation.DEFAULT_SEED,
            judge=None, data_dir=None, names=None, log=print):
    """Evaluate (or reuse each run's matching metrics.json) and write the comparison; returns the paths."""
    if len(run_dirs) < 1:
        raise ValueError('give at least one run directory')
    judge = judge or judge_module.default_judge()
    names = list(names) if names else run_names(run_dirs)
    if len(names) != len(run_dirs) or len(set(names)) != len(names):
        raise ValueError(f'need one distinct name per run directory, got {names} for {len(run_dirs)} runs')
    run_dir.check_writable(output_dir)
    for directory in run_dirs:  # every problem up front, before minutes of evaluation
        checkpoints.check_readable(evaluation.run_info(directory)['checkpoint'])
    train_images = evaluation.load_train_images(data_dir) if data_dir else evaluation.load_train_images()
    records = [evaluation.load_or_evaluate(d, num_samples, seed, judge, train_images, log=log) for d in run_dirs]
    losses = [read_losses(d) for d in run_dirs]
    data_specs = [run_data_spec(d) for d in run_dirs]
    finals = [final_samples(d, seed, data_spec) for d, data_spec in zip(run_dirs, data_specs)]
    sample_sets, captions = [s for s, _ in finals], [c for _, c in finals]
    written = {}
    if any(run_losses is not None for run_losses in losses):
        written[LOSSES_PNG] = losses_figure(names, losses)
    written[SAMPLES_PNG] = samples_figure(names, sample_sets, captions,
                                          [plots.display_shape(spec) for spec in data_specs])
    written[METRICS_PNG] = metrics_figure(names, records)
    written[HISTOGRAMS_PNG] = histograms_figure(names, records)
    written[NEIGHBOURS_PNG] = neighbours_figure(names, sample_sets, train_images)
    paths = [plots.save_figure(fig, os.path.join(output_dir, name)) for name, fig in written.items()]
    paths.append(os.path.join(output_dir, REPORT))
    files.write_text(paths[-1], report_markdown(names, records, losses, captions, written))
    paths.append(os.path.join(output_dir, evaluation.METRICS_FILE))
    files.write_text(paths[-1], json.dumps(dict(zip(names, records)), indent=1, sort_keys=True) + '\n')
    return names, records, paths
