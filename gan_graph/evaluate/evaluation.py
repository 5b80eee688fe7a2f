"""Evaluate a run directory: sample its generator checkpoint, judge the samples, write metrics.json.

Works on our runs and on a directory written by the original notebook (only train_samples.pkl and
checkpoints/generator.ckpt): sampling goes through `sampling.sample_generator`, as sample.py does.

The real-data reference (the judge's numbers on real images) comes with the judge in data/judge/:
- ceiling: the classifier score of the 10,000 test images;
- floor: the Fréchet distance of real training images to the test images, recomputed here with as
  many training images as samples (the distance is biased upward for small N, so compare like with
  like); the training images are the first N of a fixed permutation (RandomState(0));
- the test images' class histogram and nearest-training-image distances (the latter set the
  threshold of the nearest-neighbour check).
"""
import functools
import glob
import hashlib
import json
import os

import numpy as np

from gan_graph.data import mnist
from gan_graph.evaluate import judge as judge_module
from gan_graph.evaluate import metrics
from gan_graph.train import checkpoints
from gan_graph.train import files
from gan_graph.train import manifest
from gan_graph.train import pretrained
from gan_graph.train import run_dir
from gan_graph.train import sampling

METRICS_FILE = run_dir.METRICS
DEFAULT_NUM_SAMPLES = 10000
DEFAULT_SEED = 0
REFERENCE_SEED = 0  # which training images make the floor: the first N of RandomState(0).permutation(60000)

METRIC_KEYS = ('classifier_score', 'frechet_distance', 'modes_covered', 'kl_to_uniform', 'class_histogram',
               'nn_fraction', 'nn_threshold', 'nn_percentile', 'median_nn_distance')


# ---------------------------------------------------------------------------------------- reference

def train_subset(train_images, count):
    """The floor's training images: the first `count` of a fixed permutation."""
    order = np.random.RandomState(REFERENCE_SEED).permutation(len(train_images))
    return train_images[order[:min(count, len(train_images))]]


def compute_reference(judge, train_images, test_images, log=print):
    """(reference.json dict, reference.npz arrays) for a judge; images in [-1, 1]."""
    test_probs, test_features = judge.predict(test_images)
    test_mu, test_sigma = metrics.feature_statistics(test_features)
    _, train_features = judge.predict(train_subset(train_images, len(test_images)))
    floor = metrics.frechet_distance(*metrics.feature_statistics(train_features), test_mu, test_sigma)
    log(f'Nearest training image of each of the {len(test_images)} test images...')
    test_nn, _ = metrics.nearest_neighbours(test_images, train_images)
    coverage = metrics.mode_coverage(test_probs)
    nn = metrics.nearest_neighbour_check(test_nn, test_nn)
    reference = {
        'classifier_score': metrics.classifier_score(test_probs),
        'frechet_distance': floor,
        'frechet_distance_num_images': len(test_images),
        'modes_covered': coverage['modes_covered'],
        'kl_to_uniform': coverage['kl_to_uniform'],
        'class_histogram': coverage['class_histogram'],
        'nn_fraction': nn['nn_fraction'],
        'nn_threshold': nn['nn_threshold'],
        'nn_percentile': nn['nn_percentile'],
        'median_nn_distance': nn['median_nn_distance'],
        'num_test_images': len(test_images),
        'num_train_images': len(train_images),
    }
    arrays = {'test_mu': test_mu, 'test_sigma': test_sigma, 'test_nn_distances': test_nn.astype(np.float32)}
    return reference, arrays


@functools.lru_cache(maxsize=2)
def load_train_images(data_dir=mnist.DEFAULT_DATA_DIR):
    """The 60,000 training images in [-1, 1] (cached: several runs are evaluated against them)."""
    images, _ = mnist.load_arrays(data_dir, 'train')
    return judge_module.to_judge_range(images)


# ---------------------------------------------------------------------------------------- evaluation

def evaluate_images(images, judge, train_images, name='images'):
    """Every metric of images (N >= 2, 784) in [-1, 1], and the real-data reference at the same N."""
    images = metrics.check_images(images, name, min_count=2)
    arrays = judge.reference_arrays()
    probs, features = judge.predict(images)
    coverage = metrics.mode_coverage(probs)
    distances, _ = metrics.nearest_neighbours(images, train_images)
    values = {
        'classifier_score': metrics.classifier_score(probs),
        'frechet_distance': metrics.frechet_distance(*metrics.feature_statistics(features),
                                                     arrays['test_mu'], arrays['test_sigma']),
        **coverage,
        **{key: value for key, value in metrics.nearest_neighbour_check(distances, arrays['test_nn_distances']).items()
           if key != 'reference_median_nn_distance'},
    }
    reference = dict(judge.reference)
    if len(images) != reference['frechet_distance_num_images']:
        _, train_features = judge.predict(train_subset(train_images, len(images)))
        reference['frechet_distance'] = metrics.frechet_distance(
            *metrics.feature_statistics(train_features), arrays['test_mu'], arrays['test_sigma'])
        reference['frechet_distance_num_images'] = min(len(images), len(train_images))
    return values, reference


def checkpoint_sha256(prefix):
    """One digest over a checkpoint's index and data files: metrics.json goes stale when they change."""
    digest = hashlib.sha256()
    for path in [prefix + '.index'] + sorted(glob.glob(glob.escape(prefix) + '.data-*')):
        if os.path.isfile(path):
            digest.update(os.path.basename(path).encode())
            digest.update(mnist.sha256_of(path).encode())
    return digest.hexdigest()


def run_info(run_directory):
    """What a run directory is: its checkpoint, generator, epochs, and whether our code wrote it."""
    if not os.path.isdir(run_directory):
        raise ValueError(f'run directory not found: {run_directory}')
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    prefix = checkpoints.find_generator_checkpoint(checkpoint_dir)
    record = sampling.run_manifest(checkpoint_dir, prefix)
    origin = pretrained.origin(run_directory)
    return {'run_dir': os.path.abspath(run_directory), 'checkpoint': os.path.abspath(prefix),
            'checkpoint_sha256': checkpoint_sha256(prefix),
            'generator': sampling.generator_name(record), 'model': record['model'],
            'epochs': run_epochs(run_directory, origin), 'written_by': written_by(run_directory, origin)}


def epochs_text(epochs):
    """'1 epoch', '10 epochs', or '? epochs' where the run did not say."""
    return '? epochs' if epochs is None else f'{epochs} epoch{"" if epochs == 1 else "s"}'


def run_epochs(run_directory, origin):
    """Epochs trained: one sample grid per epoch in train_samples.pkl; a pretrained generator's directory
    has none, its origin record carries the count of the run behind it."""
    samples_path = run_dir.path(run_directory, run_dir.SAMPLES)
    if os.path.exists(samples_path):
        return len(files.read_pickle(samples_path))
    return origin.get('epochs') if origin else None


def written_by(run_directory, origin):
    if origin:
        return f'gan_graph (pretrained {origin["name"]})'
    ours = any(os.path.exists(run_dir.path(run_directory, name)) for name in (run_dir.MANIFEST, run_dir.FLAGS))
    return 'gan_graph' if ours else 'original notebook'


def judge_input(samples, data_spec):
    """A run's samples as the judge takes them: padding cropped, flat, in [-1, 1] (the judge checks the size)."""
    images = np.reshape(samples, (len(samples),) + tuple(data_spec.image_shape))
    if data_spec.padding:
        pad = data_spec.padding
        images = images[:, pad:-pad, pad:-pad]
    flat = images.reshape(len(images), -1)
    if tuple(data_spec.value_range) == (-1.0, 1.0):
        return flat
    return 2 * data_spec.to_unit(flat) - 1


def run_samples(run_directory, num_samples, seed):
    """`num_samples` from the run's generator checkpoint (sample.py's code path), as the judge takes them."""
    checkpoint_dir = run_dir.checkpoint_dir(run_directory)
    samples = sampling.sample_generator(checkpoint_dir, num_samples, seed=seed)
    return judge_input(samples, manifest.data_spec(sampling.run_manifest(checkpoint_dir)))


def evaluate_run(run_directory, num_samples=DEFAULT_NUM_SAMPLES, seed=DEFAULT_SEED, judge=None,
                 train_images=None, data_dir=mnist.DEFAULT_DATA_DIR):
    """Sample the run's generator (sample.py's code path) and judge the samples: the metrics.json record."""
    if num_samples < 2:
        raise ValueError(f'num_samples must be at least 2 (the Fréchet distance needs a covariance), '
                         f'got {num_samples}')
    info = run_info(run_directory)
    judge = judge or judge_module.default_judge()
    samples = run_samples(run_directory, num_samples, seed)
    if train_images is None:
        train_images = load_train_images(data_dir)
    values, reference = evaluate_images(samples, judge, train_images,
                                         name=f'samples of {info["checkpoint"]}')
    return {**info, 'num_samples': num_samples, 'seed': seed,
            'judge': judge_record(judge), 'metrics': values, 'reference': reference}


def judge_record(judge):
    """Which judge a metrics.json was measured with: its directory, fingerprint and test accuracy."""
    return {'dir': judge.directory, 'fingerprint': judge.fingerprint, 'test_accuracy': judge.test_accuracy}


def write_metrics(run_directory, record):
    path = run_dir.path(run_directory, METRICS_FILE)
    files.write_text(path, json.dumps(record, indent=1, sort_keys=True) + '\n')
    return path


def read_metrics(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def matching_metrics(run_directory, num_samples, seed, judge):
    """The run's metrics.json if it was computed with these settings, this judge and this checkpoint."""
    record = read_metrics(run_dir.path(run_directory, METRICS_FILE))
    if not record or not all(key in record.get('metrics', {}) for key in METRIC_KEYS):
        return None
    try:
        info = run_info(run_directory)
    except checkpoints.CheckpointError:
        return None
    same = (record.get('num_samples') == num_samples and record.get('seed') == seed
            and record.get('judge', {}).get('fingerprint') == judge.fingerprint
            and record.get('checkpoint_sha256') == info['checkpoint_sha256'])
    return {**record, **info} if same else None


def load_or_evaluate(run_directory, num_samples=DEFAULT_NUM_SAMPLES, seed=DEFAULT_SEED, judge=None,
                     train_images=None, data_dir=mnist.DEFAULT_DATA_DIR, log=print):
    """A matching metrics.json, else a fresh evaluation (not written: the caller decides)."""
    judge = judge or judge_module.default_judge()
    record = matching_metrics(run_directory, num_samples, seed, judge)
    if record:
        log(f'{run_directory}: using its {METRICS_FILE} (same checkpoint, judge, num_samples and seed)')
        return record
    log(f'{run_directory}: sampling {num_samples} images and judging them...')
    return evaluate_run(run_directory, num_samples, seed, judge, train_images, data_dir)


# ---------------------------------------------------------------------------------------- tables

# (label in tables, key, format, what the real-data column shows)
ROWS = (
    ('classifier score (max 10)', 'classifier_score', '{:.3f}', 'test images (ceiling)'),
    ('Frechet distance', 'frechet_distance', '{:.3f}', 'train vs test images (floor)'),
    ('modes covered (>= 5%)', 'modes_covered', '{:d}', 'test images'),
    ('KL(classes || uniform)', 'kl_to_uniform', '{:.4f}', 'test images'),
    ('NN fraction (5th pct)', 'nn_fraction', '{:.4f}', 'test images (by definition)'),
    ('median NN distance', 'median_nn_distance', '{:.3f}', 'test images'),
)


def table_rows(records, names):
    header = ['metric', *names, 'real data']
    rows = []
    for label, key, fmt, _ in ROWS:
        rows.append([label, *(fmt.format(record['metrics'][key]) for record in records),
                     fmt.format(records[0]['reference'][key])])
    return header, rows


def format_table(records, names):
    """A plain-text table: one column per run, then the real-data reference (of the first run's N)."""
    header, rows = table_rows(records, names)
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ['  '.join(cell.ljust(width) if i == 0 else cell.rjust(width)
                       for i, (cell, width) in enumerate(zip(row, widths))) for row in [header, *rows]]
    lines.insert(1, '  '.join('-' * width for width in widths))
    histogram_lines = [f'{name}: predicted digits 0-9 (%): ' +
                       ' '.join(f'{100 * x:.1f}' for x in record['metrics']['class_histogram'])
                       for name, record in zip(names, records)]
    notes = [f'{records[0]["num_samples"]} samples per run (noise seed {records[0]["seed"]}); '
             f'judge: MNIST CNN, test accuracy {100 * records[0]["judge"]["test_accuracy"]:.2f}%.',
             f'Real data: classifier score of the test images; Frechet distance of '
             f'{records[0]["reference"]["frechet_distance_num_images"]} training images to the test images.',
             f'NN fraction: share of samples nearer to a training image than 95% of test images are '
             f'(threshold {records[0]["metrics"]["nn_threshold"]:.3f}); about 0.05 unless samples copy '
             'training images.']
    return '\n'.join(lines + [''] + histogram_lines + [''] + notes)


def markdown_table(records, names):
    header, rows = table_rows(records, names)
    header = [cell.replace('Frechet', 'Fréchet') for cell in header]
    rows = [[row[0].replace('Frechet', 'Fréchet').replace('||', '‖').replace('>=', '≥'), *row[1:]] for row in rows]
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


# ---------------------------------------------------------------------------------------- across seeds

def mean_std(values, fmt):
    """'mean ± std' (sample std, n - 1) of values; just the value for a single run."""
    values = np.asarray(values, np.float64)
    if len(values) == 1:
        return fmt.format(values[0])
    return f'{fmt.format(values.mean())} ± {fmt.format(values.std(ddof=1))}'


def results_markdown(records, run_dirs):
    """The README table: one row per generator (mean ± std over its runs), the real-data row, then
    each run's own numbers."""
    groups = {}
    for record in records:
        groups.setdefault(record['generator'], []).append(record)
    first = records[0]
    columns = (('classifier_score', '{:.2f}'), ('frechet_distance', '{:.2f}'), ('modes_covered', '{:.1f}'),
               ('kl_to_uniform', '{:.3f}'), ('nn_fraction', '{:.3f}'))
    lines = ['| `--arch` | runs | classifier score ↑ (max 10) | Fréchet distance ↓ | modes covered (≥ 5%) | '
             'KL(classes ‖ uniform) ↓ | NN fraction (≈ 0.05) |', '|---|---|---|---|---|---|---|']
    for generator, group in groups.items():
        cells = [mean_std([r['metrics'][key] for r in group], fmt) for key, fmt in columns]
        lines.append(f'| {generator} | {len(group)} | ' + ' | '.join(cells) + ' |')
    ref = first['reference']
    lines.append(f'| real data | — | {ref["classifier_score"]:.2f} (test images: ceiling) | '
                 f'{ref["frechet_distance"]:.2f} ({ref["frechet_distance_num_images"]} train vs test: floor) | '
                 f'{ref["modes_covered"]} | {ref["kl_to_uniform"]:.3f} | {ref["nn_fraction"]:.3f} |')
    lines += ['', f'{first["num_samples"]} samples per run (noise seed {first["seed"]}); judge test accuracy '
              f'{100 * first["judge"]["test_accuracy"]:.2f}%. Mean ± sample standard deviation over the runs.',
              '',
              '| run | `--arch` | epochs | classifier score | Fréchet distance | modes covered | KL | NN fraction |',
              '|---|---|---|---|---|---|---|---|']
    for directory, record in zip(run_dirs, records):
        values = record['metrics']
        epochs = record['epochs'] if record['epochs'] is not None else '?'
        lines.append(f'| `{directory}` | {record["generator"]} | {epochs} | {values["classifier_score"]:.2f} | '
                     f'{values["frechet_distance"]:.2f} | {values["modes_covered"]} | {values["kl_to_uniform"]:.3f} | '
                     f'{values["nn_fraction"]:.3f} |')
    return '\n'.join(lines)
