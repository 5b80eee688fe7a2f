"""sample.py takes a run as every other tool does (--run_dir), a checkpoints/ folder (--checkpoint_dir) or a
pretrained generator, writes RUN_DIR/samples.npy unless told otherwise, and says what is wrong in one line."""
import os

import numpy as np
import pytest

from conftest import run_script


@pytest.fixture(scope='module')
def trained_run(tmp_path_factory):
    run = tmp_path_factory.mktemp('run')
    run_script('train_mnist.py', '--epochs=1', '--max_batches_per_epoch=2', f'--output_dir={run}', '--seed=1')
    return run


def sample(*args):
    """sample.py's samples and where its last line says it wrote them."""
    result = run_script('sample.py', '--num_samples=5', '--seed=3', *args)
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith('Wrote 5 samples of shape (784,) to ')
    path = last_line.rsplit(' to ', 1)[1]
    samples = np.load(path)
    assert samples.shape == (5, 784) and samples.dtype == np.float32
    return samples, path


def test_run_dir_writes_the_run_directorys_samples_npy(trained_run):
    samples, path = sample(f'--run_dir={trained_run}')
    assert path == str(trained_run / 'samples.npy')
    by_checkpoint_dir, path = sample(f'--checkpoint_dir={trained_run / "checkpoints"}')
    assert path == str(trained_run / 'samples.npy')  # its parent's: the run directory
    np.testing.assert_array_equal(by_checkpoint_dir, samples)


def test_checkpoint_dir_given_the_run_directory_uses_its_checkpoints(trained_run, tmp_path):
    output = tmp_path / 'out.npy'
    samples, path = sample(f'--checkpoint_dir={trained_run}', f'--output={output}')
    assert path == str(output)
    np.testing.assert_array_equal(samples, sample(f'--run_dir={trained_run}')[0])


@pytest.mark.parametrize('args, message', [
    ((), 'give exactly one of --run_dir, --checkpoint_dir and --pretrained'),
    (('--run_dir={run}', '--pretrained=udacity'), 'give exactly one of --run_dir, --checkpoint_dir and --pretrained '
                                                  '(got --run_dir, --pretrained)'),
    (('--run_dir={run}', '--output=samples.txt'), "--output must name a .npy file, got 'samples.txt'"),
    (('--run_dir={run}/checkpoints',), 'holds a generator checkpoint itself, not in checkpoints/: give --run_dir={run} '
                                       '(or --checkpoint_dir={run}/checkpoints)'),
    (('--run_dir={run}/missing',), 'run directory not found: {run}/missing'),
])
def test_a_wrong_source_or_output_is_one_line_and_exit_2(trained_run, args, message):
    result = run_script('sample.py', *(arg.format(run=trained_run) for arg in args), check=False)
    assert result.returncode == 2 and result.stdout == ''
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: ') and message.format(run=trained_run) in lines[0], lines
