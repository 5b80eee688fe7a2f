"""evaluate.py, compare_runs.py and results_table.py as a user runs them, on one of our runs and on a
run directory written by the original notebook code (train_samples.pkl + checkpoints/ only)."""
import json
import os
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

from gan_graph import checkpoints, comparison, evaluation, files, metrics
from conftest import DATA_DIR, REPO_ROOT, run_script

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


def test_evaluate_writes_metrics_for_our_run(our_run):
    result = run_script('evaluate.py', f'--run_dir={our_run}', NUM_SAMPLES, '--seed=4')
    record = check_metrics_file(our_run, 'gan_graph')
    assert 'classifier score (max 10)' in result.stdout and 'real data' in result.stdout
    assert f'{record["metrics"]["classifier_score"]:.3f}' in result.stdout
    assert result.stderr == ''


def test_evaluate_works_on_an_original_notebook_run(original_run):
    result = run_script('evaluate.py', f'--run_dir={original_run}', NUM_SAMPLES, '--seed=4')
    check_metrics_file(original_run, 'original notebook')
    assert 'written by original notebook' in result.stdout


def test_evaluation_is_reproducible_and_matches_direct_sampling(our_run):
    """The record equals metrics computed by hand from sample.py's samples."""
    the_judge = metrics.default_judge()
    record = evaluation.evaluate_run(str(our_run), 300, seed=4, judge=the_judge, data_dir=DATA_DIR)
    from gan_graph import sampling
    samples = sampling.sample_generator(str(our_run / 'checkpoints'), 300, seed=4)
    probs, features = the_judge.predict(samples)
    assert record['metrics']['classifier_score'] == pytest.approx(metrics.classifier_score(probs))
    arrays = the_judge.reference_arrays()
    assert record['metrics']['frechet_distance'] == pytest.approx(
        metrics.frechet_distance(*metrics.feature_statistics(features), arrays['test_mu'], arrays['test_sigma']))
    assert record['metrics']['modes_covered'] == metrics.mode_coverage(probs)['modes_covered']
    again = evaluation.evaluate_run(str(our_run), 300, seed=4, judge=the_judge, data_dir=DATA_DIR)
    assert again['metrics'] == record['metrics']


def test_compare_runs_ours_against_the_original(our_run, original_run, tmp_path):
    out = tmp_path / 'comparison'
    result = run_script('compare_runs.py', str(our_run), str(original_run), f'--output_dir={out}', NUM_SAMPLES,
                        '--seed=4')
    # evaluate.py's metrics.json (same checkpoint, judge, N, seed) are reused, not recomputed
    assert 'using its metrics.json' in result.stderr + result.stdout
    assert sorted(os.listdir(out)) == ['class_histograms.png', 'losses.png', 'metrics.json', 'metrics.png',
                                       'nearest_neighbours.png', 'report.md', 'samples.png']
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


def test_results_table_groups_runs_by_arch(our_run, original_run):
    records = [evaluation.read_metrics(str(run / 'metrics.json')) for run in (our_run, original_run)]
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


def test_compare_refuses_a_run_without_checkpoint_before_evaluating(our_run, tmp_path):
    with pytest.raises(checkpoints.CheckpointError, match='checkpoint directory not found'):
        comparison.compare([str(our_run), str(tmp_path)], str(tmp_path / 'out'), 300, judge=metrics.default_judge())
    assert not (tmp_path / 'out').exists()


def test_bad_samples_are_refused_with_the_run_named(our_run):
    the_judge = metrics.default_judge()
    train = evaluation.load_train_images(DATA_DIR)
    with pytest.raises(ValueError, match=r'samples of x must be in \[-1, 1\].*from 255 to 255'):
        evaluation.evaluate_images(np.full((5, 784), 255.0), the_judge, train, name='samples of x')
    with pytest.raises(ValueError, match=r'samples of x must have shape \(N, 784\)'):
        evaluation.evaluate_images(np.zeros((5, 28, 28)), the_judge, train, name='samples of x')
    with pytest.raises(ValueError, match='at least 2'):
        evaluation.evaluate_run(str(our_run), 1, judge=the_judge)


def test_stale_metrics_are_not_reused(our_run):
    the_judge = metrics.default_judge()
    assert evaluation.matching_metrics(str(our_run), 300, 4, the_judge) is not None
    assert evaluation.matching_metrics(str(our_run), 300, 5, the_judge) is None      # other seed
    assert evaluation.matching_metrics(str(our_run), 200, 4, the_judge) is None      # other N
    record = evaluation.read_metrics(str(our_run / 'metrics.json'))
    files.write_text(str(our_run / 'metrics.json'), json.dumps({**record, 'checkpoint_sha256': 'x'}))
    assert evaluation.matching_metrics(str(our_run), 300, 4, the_judge) is None      # other checkpoint
    files.write_text(str(our_run / 'metrics.json'), json.dumps(record))
