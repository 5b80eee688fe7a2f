"""evaluate.py, compare_runs.py and results_table.py as a user runs them, on one of our runs and on a
run directory written by the original notebook code (train_samples.pkl + checkpoints/ only)."""
import json
import os
import shutil
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

from gan_graph.data import spec as spec_lib
from gan_graph.evaluate import comparison
from gan_graph.evaluate import evaluation
from gan_graph.evaluate import judge
from gan_graph.evaluate import metrics
from gan_graph.train import checkpoints
from gan_graph.train import files
from gan_graph.train import run_dir
from gan_graph.train import sampling
from conftest import DATA_DIR, REPO_ROOT, run_script
import chromium

ORACLE = os.path.join(REPO_ROOT, 'tests', 'original_notebook.py')
NUM_SAMPLES = '--num_samples=300'
METRIC_KEYS = {'classifier_score', 'frechet_distance', 'modes_covered', 'kl_to_uniform', 'class_histogram',
               'nn_fraction', 'nn_threshold', 'nn_percentile', 'median_nn_distance'}


@pytest.fixture(scope='module')
def our_run(tmp_path_factory):
    run = tmp_path_factory.mktemp('ours') / 'ours'
    run_script('train_mnist.py', '--epochs=1', '--max_batches_per_epoch=5', f'--output_dir={run}', '--seed=1',
               '--notensorboard', '--loop=faithful')
    return run


@pytest.fixture(scope='module')
def original_run(tmp_path_factory):
    pytest.importorskip('tf_keras', reason='the original notebook needs tf_keras (tests/requirements.txt)')
    run = tmp_path_factory.mktemp('orig') / 'orig'
    run.mkdir()
    result = subprocess.run([sys.executable, ORACLE, 'train', str(run), 'udacity', '1', '5', DATA_DIR],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, 'TF_USE_LEGACY_KERAS': '1', 'TF_CPP_MIN_LOG_LEVEL': '3'})
    assert result.returncode == 0, result.stderr[-3000:]
    os.remove(run / 'checkpoints' / 'generator.ckpt.meta')  # the task's minimal directory: pickle + checkpoint
    assert sorted(os.listdir(run)) == ['checkpoints', 'train_samples.pkl']
    return run


def evaluated(run):
    """evaluate.py run on a copy of `run` (the copy then holds metrics.json); (copy, CompletedProcess)."""
    copy = run.parent / f'{run.name}_evaluated'
    shutil.copytree(run, copy)
    return copy, run_script('evaluate.py', f'--run_dir={copy}', NUM_SAMPLES, '--seed=4')


@pytest.fixture(scope='module')
def our_evaluation(our_run):
    return evaluated(our_run)


@pytest.fixture(scope='module')
def original_evaluation(original_run):
    return evaluated(original_run)


@pytest.fixture(scope='module')
def the_judge():
    return judge.default_judge()


def check_metrics_file(run, written_by):
    with open(run / 'metrics.json') as f:
        record = json.load(f)
    assert set(record['metrics']) == METRIC_KEYS
    assert record['num_samples'] == 300 and record['seed'] == 4
    assert record['written_by'] == written_by and record['generator'] == 'udacity' and record['epochs'] == 1
    assert record['judge']['test_accuracy'] >= 0.99 and record['checkpoint'].endswith('generator.ckpt')
    values = record['metrics']
    assert 1.0 <= values['classifier_score'] <= 10.0 and values['frechet_distance'] > 0
    assert sum(values['class_histogram']) == pytest.approx(1.0) and 0 <= values['nn_fraction'] <= 1
    reference = record['reference']
    assert reference['frechet_distance_num_images'] == 300 and 9.5 < reference['classifier_score'] <= 10
    return record


@pytest.mark.slow
def test_evaluate_writes_metrics_for_our_run(our_evaluation):
    run, result = our_evaluation
    record = check_metrics_file(run, 'gan_graph')
    assert record['model'] == 'mlp_gan'
    assert 'classifier score (max 10)' in result.stdout and 'real data' in result.stdout
    assert f'{record["metrics"]["classifier_score"]:.3f}' in result.stdout
    assert result.stderr == ''


@pytest.mark.slow
def test_evaluate_works_on_an_original_notebook_run(original_evaluation):
    run, result = original_evaluation
    record = check_metrics_file(run, 'original notebook')
    assert record['model'] == 'mlp_gan'
    assert 'written by original notebook' in result.stdout


def test_run_info_reads_the_manifest(our_run, tmp_path):
    info = evaluation.run_info(str(our_run))
    assert (info['model'], info['generator'], info['written_by'], info['epochs']) == (
        'mlp_gan', 'udacity', 'gan_graph', 1)
    assert info['checkpoint'] == str(our_run / 'checkpoints' / 'generator.ckpt')
    copy = tmp_path / 'no_flags'
    shutil.copytree(our_run, copy)
    os.remove(copy / run_dir.FLAGS)  # run.json alone says our code wrote it
    assert evaluation.run_info(str(copy))['written_by'] == 'gan_graph'
    assert evaluation.run_info(str(copy))['checkpoint_sha256'] == info['checkpoint_sha256']


def test_evaluation_is_reproducible_and_matches_direct_sampling(our_run, the_judge):
    """The record equals metrics computed by hand from sample.py's samples."""
    record = evaluation.evaluate_run(str(our_run), 300, seed=4, judge=the_judge, data_dir=DATA_DIR)
    samples = sampling.sample_generator(str(our_run / 'checkpoints'), 300, seed=4)
    probs, features = the_judge.predict(samples)
    assert record['metrics']['classifier_score'] == pytest.approx(metrics.classifier_score(probs))
    arrays = the_judge.reference_arrays()
    assert record['metrics']['frechet_distance'] == pytest.approx(
        metrics.frechet_distance(*metrics.feature_statistics(features), arrays['test_mu'], arrays['test_sigma']))
    assert record['metrics']['modes_covered'] == metrics.mode_coverage(probs)['modes_covered']
    again = evaluation.evaluate_run(str(our_run), 300, seed=4, judge=the_judge, data_dir=DATA_DIR)
    assert again['metrics'] == record['metrics']


def test_judge_input_flattens_and_rescales_to_the_judges_range():
    images = np.random.RandomState(0).uniform(0, 1, (3, 28, 28, 1)).astype(np.float32)
    unit_images = spec_lib.mnist_spec(flat=False, value_range=(0.0, 1.0))
    np.testing.assert_allclose(evaluation.judge_input(images, unit_images), images.reshape(3, 784) * 2 - 1,
                               atol=1e-6)
    flat = images.reshape(3, 784) * 2 - 1
    np.testing.assert_array_equal(evaluation.judge_input(flat, spec_lib.mnist_spec(flat=True)), flat)
    # 32x32 digits padded by 2: the judge sees the 28x28 inside
    padded = np.pad(images * 2 - 1, ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1)
    np.testing.assert_array_equal(evaluation.judge_input(padded, spec_lib.mnist_spec(flat=False, padded=True)), flat)


@pytest.mark.slow
def test_compare_runs_ours_against_the_original(our_evaluation, original_evaluation, tmp_path):
    (our_run, _), (original_run, _) = our_evaluation, original_evaluation
    out = tmp_path / 'comparison'
    result = run_script('compare_runs.py', str(our_run), str(original_run), '--names=ours,orig',
                        f'--output_dir={out}', NUM_SAMPLES, '--seed=4')
    # evaluate.py's metrics.json (same checkpoint, judge, N, seed) are reused, not recomputed
    assert result.stdout.count('using its metrics.json') + result.stderr.count('using its metrics.json') == 2
    assert sorted(os.listdir(out)) == ['class_histograms.png', 'losses.png', 'metrics.json', 'metrics.png',
                                       'nearest_neighbours.png', 'report.html', 'report.md', 'samples.png']
    # The same on one page, every figure decoded by the browser.
    png_widths = [matplotlib.image.imread(str(out / name)).shape[1] for name in sorted(os.listdir(out))
                  if name.endswith('.png')]
    assert sorted(chromium.decoded_widths(str(out / 'report.html'), str(tmp_path))) == sorted(png_widths)
    for name in ('losses.png', 'samples.png', 'class_histograms.png', 'metrics.png', 'nearest_neighbours.png'):
        assert matplotlib.image.imread(str(out / name)).shape[0] > 100
    report = (out / 'report.md').read_text()
    assert '| ours | ' in report and '| orig | ' in report and 'original notebook' in report
    assert 'No `train_losses.pkl` in: orig' in report and '![samples](samples.png)' in report
    assert 'not comparable with Inception-based FIDs' in report
    with open(out / 'metrics.json') as f:
        assert set(json.load(f)) == {'ours', 'orig'}
    with open(our_run / 'metrics.json') as f:
        ours = json.load(f)
    assert f'| classifier score (max 10) | {ours["metrics"]["classifier_score"]:.3f} |' in report


def test_final_samples_are_the_last_epochs_as_the_judge_takes_them(our_run):
    samples, caption = comparison.final_samples(str(our_run), 0, comparison.run_data_spec(str(our_run)))
    last_epoch = files.read_pickle(str(our_run / 'train_samples.pkl'))[-1]
    np.testing.assert_array_equal(samples, last_epoch.reshape(16, 784))
    assert caption == 'epoch 1 (train_samples.pkl)'


@pytest.mark.slow
def test_results_table_groups_runs_by_arch(our_evaluation, original_evaluation):
    records = [evaluation.read_metrics(str(run / 'metrics.json')) for run, _ in (our_evaluation, original_evaluation)]
    table = evaluation.results_markdown(records, ['a', 'b'])
    mean = np.mean([r['metrics']['classifier_score'] for r in records])
    std = np.std([r['metrics']['classifier_score'] for r in records], ddof=1)
    assert f'| udacity | 2 | {mean:.2f} ± {std:.2f} |' in table
    assert '| real data | — |' in table and '(test images: ceiling)' in table
    assert evaluation.mean_std([3.0], '{:.2f}') == '3.00'


def test_run_directory_without_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / 'empty' / 'checkpoints').mkdir(parents=True)
    result = run_script('evaluate.py', f'--run_dir={tmp_path / "empty"}', NUM_SAMPLES, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f'error: no generator checkpoint in {tmp_path / "empty" / "checkpoints"}: expected generator.ckpt.index '
        '(and its data file), as written by training or by the original notebook.']
    with pytest.raises(ValueError, match='run directory not found'):
        evaluation.run_info(str(tmp_path / 'missing'))
    with pytest.raises(checkpoints.CheckpointError, match='checkpoint directory not found'):
        evaluation.run_info(str(tmp_path))


def test_compare_refuses_a_run_without_checkpoint_before_evaluating(our_run, tmp_path, the_judge):
    with pytest.raises(checkpoints.CheckpointError, match='checkpoint directory not found'):
        comparison.compare([str(our_run), str(tmp_path)], str(tmp_path / 'out'), 300, judge=the_judge)
    assert not (tmp_path / 'out').exists()


def test_bad_samples_are_refused_with_the_run_named(our_run, the_judge):
    train = evaluation.load_train_images(DATA_DIR)
    with pytest.raises(ValueError, match=r'samples of x must be in \[-1, 1\].*from 255 to 255'):
        evaluation.evaluate_images(np.full((5, 784), 255.0), the_judge, train, name='samples of x')
    with pytest.raises(ValueError, match=r'samples of x must have shape \(N, 784\)'):
        evaluation.evaluate_images(np.zeros((5, 28, 28)), the_judge, train, name='samples of x')
    with pytest.raises(ValueError, match='at least 2'):
        evaluation.evaluate_run(str(our_run), 1, judge=the_judge)


def test_stale_metrics_are_not_reused(our_run, the_judge, tmp_path):
    run = tmp_path / 'run'
    shutil.copytree(our_run, run)  # this test writes metrics.json
    evaluation.write_metrics(str(run), evaluation.evaluate_run(str(run), 300, seed=4, judge=the_judge,
                                                               data_dir=DATA_DIR))
    assert evaluation.matching_metrics(str(run), 300, 4, the_judge) is not None
    assert evaluation.matching_metrics(str(run), 300, 5, the_judge) is None      # other seed
    assert evaluation.matching_metrics(str(run), 200, 4, the_judge) is None      # other N
    record = evaluation.read_metrics(str(run / 'metrics.json'))
    files.write_text(str(run / 'metrics.json'), json.dumps({**record, 'checkpoint_sha256': 'x'}))
    assert evaluation.matching_metrics(str(run), 300, 4, the_judge) is None      # other checkpoint


def test_epoch_counts_read_as_english():
    assert [evaluation.epochs_text(epochs) for epochs in (1, 10, None)] == ['1 epoch', '10 epochs', '? epochs']
