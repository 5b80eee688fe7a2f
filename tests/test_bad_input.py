"""Every script against bad input: one `error:` line on stderr, exit 2, no traceback, nothing lost.

All scripts run all their cases in one process (tests/script_cases.py: TensorFlow imports once), with
the file-permission override dropped from its capabilities (setpriv), so that a read-only directory
refuses root as it refuses any user. A flag absl itself rejects keeps absl's message and exit code 1.
Before and after, every file of the test's directories and of data/ is hashed: none may change, and a
new --output_dir a failed start named must not exist afterwards.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO_ROOT
from gan_graph.train import run_dir, run_lock
from test_train import train_small

DROP_FILE_OVERRIDES = ['setpriv', '--bounding-set=-dac_override,-dac_read_search',
                       '--inh-caps=-dac_override,-dac_read_search', '--']
MODEL_TRAINERS = ('train_mnist', 'train_dcgan', 'train_cgan', 'train_wgan', 'train_keras_dcgan', 'train_vae',
                  'train_stylegan', 'train_cyclegan', 'train_voxel_gan')
READS_MNIST = set(MODEL_TRAINERS) - {'train_voxel_gan'} | {'train_classifier'}
JUDGE_TRAINERS = ('train_classifier', 'train_voxel_judge')
TOYS = ('train_gaussian_1d', 'train_slanted_land')
FLAG_ERROR = None   # absl's own refusal of a flag; any other expectation is a fragment of the one error line
# What the error line says about each kind of run directory a tool is given.
RUN_ERRORS = {'no_such_run': 'not found', 'a_file': '', 'damaged_run': 'is damaged', 'bad_manifest':
              'is not a readable run manifest', 'bad_pickle': 'is damaged', 'read_only': 'permission denied',
              'read_only_run': 'permission denied'}


@pytest.fixture(scope='module')
def places(tmp_path_factory, mnist_data):
    """A file, a read-only directory, a locked run, a finished run, a read-only and damaged copies of it."""
    root = tmp_path_factory.mktemp('bad_input')
    (root / 'a_file').write_text('not a directory\n')
    (root / 'read_only').mkdir()
    good = root / 'good_run'
    train_small(mnist_data, good, epochs=1)
    damaged = copy_run(good, root / 'damaged_run')
    for name in os.listdir(damaged / 'checkpoints'):
        if '.data-' in name:
            (damaged / 'checkpoints' / name).write_bytes(b'')
    bad_manifest = copy_run(good, root / 'bad_manifest')
    (bad_manifest / run_dir.MANIFEST).write_text('{"format": 1, "model": ')
    bad_pickle = copy_run(good, root / 'bad_pickle')
    for name in (run_dir.SAMPLES, run_dir.LOSSES):
        (bad_pickle / name).write_bytes((bad_pickle / name).read_bytes()[:20])
    (root / 'locked').mkdir()
    (root / 'locked' / run_lock.LOCK).write_text(f'{run_lock.socket.gethostname()} {os.getpid()}\n')
    read_only = [root / 'read_only', copy_run(good, root / 'read_only_run')]   # a finished run, read-only
    for path in read_only:
        os.chmod(path, 0o555)
    yield root
    for path in read_only:
        os.chmod(path, 0o755)


def copy_run(source, target):
    shutil.copytree(source, target)
    return target


def output_cases(places, flag='--output_dir'):
    """A file, a path under a file, a directory this user cannot create."""
    return [(f'{flag}={places}/a_file', 'is a file, not a directory'),
            (f'{flag}={places}/a_file/run', 'so no directory can be made under it'),
            (f'{flag}={places}/read_only/run', 'this user cannot create')]


def trainer_cases(script, places):
    new = f'--output_dir={places}/new_{script}'
    cases = [[[args], expected] for args, expected in output_cases(places)]
    cases += [[[new, '--batch_size=10000000'], 'is larger than the training split'], [[new, '--epochs=0'], FLAG_ERROR],
              [[f'--output_dir={places}/read_only_run', '--epochs=2'], 'this user cannot write into'],
              [[f'--output_dir={places}/locked', '--max_batches_per_epoch=1'], 'is being trained by process']]
    if script in READS_MNIST:
        cases.append([[new, f'--data_dir={places}/no_such_dir'], 'MNIST file missing'])
    # A damaged checkpoint with no earlier epoch kept; another model's run directory.
    other, expected = (('damaged_run', 'no earlier epoch is kept') if script == 'train_mnist' else
                       ('good_run', 'holds a run with other model settings'))
    cases.append([[f'--output_dir={places}/{other}', '--epochs=2', '--max_batches_per_epoch=1'], expected])
    return cases


def judge_cases(script, places):
    new = f'--output_dir={places}/new_{script}'
    cases = [[[args], expected] for args, expected in output_cases(places)]
    cases.append([[new, '--batch_size=10000000'], 'is larger than the training split'])
    if script in READS_MNIST:
        cases.append([[new, f'--data_dir={places}/no_such_dir'], 'MNIST file missing'])
    return cases


def tool_cases(script, places):
    """sample, evaluate, make_figures, report, compare_runs: missing, damaged and unreadable runs."""
    runs = ['no_such_run', 'a_file', 'damaged_run', 'bad_manifest']
    if script == 'sample':
        cases = [[[f'--checkpoint_dir={places}/{run}/checkpoints', f'--output={places}/new_sample/s.npy'],
                  RUN_ERRORS[run]] for run in runs]
        cases += [[[f'--run_dir={places}/{run}'], RUN_ERRORS[run]] for run in runs + ['read_only_run']]
        return cases + [[[f'--checkpoint_dir={places}/good_run/checkpoints', f'--output={places}/read_only/s.npy'],
                         f'{places}/read_only/s.npy: permission denied']]
    if script == 'compare_runs':
        pair = [f'{places}/good_run']
        cases = [[pair + [f'{places}/{run}', f'--output_dir={places}/new_comparison'], RUN_ERRORS[run]]
                 for run in runs + ['bad_pickle']]
        return cases + [[pair + [f'{places}/good_run', args], expected] for args, expected in output_cases(places)]
    # make_figures and report check --run_dir is a directory with absl's validator; they also write into it.
    runs += ['bad_pickle', 'read_only', 'read_only_run']
    validated = script in ('make_figures', 'report')
    return [[[f'--run_dir={places}/{run}'], FLAG_ERROR if validated and run in ('no_such_run', 'a_file')
             else RUN_ERRORS[run]] for run in runs]


def other_tool_cases(script, places):
    """export_pretrained, generate_keras_dcgan, results_table, launch_local_cluster, benchmark."""
    broken = ['no_such_run', 'a_file', 'damaged_run', 'bad_manifest']
    if script == 'export_pretrained':   # nothing may reach data/pretrained/
        return [[[f'--run_dir={places}/{run}', '--name=bad_input_test'], RUN_ERRORS[run]] for run in broken]
    if script == 'generate_keras_dcgan':
        return [[[f'--run_dir={places}/{run}'], RUN_ERRORS[run]] for run in broken] + [
            [[f'--run_dir={places}/good_run', f'--output={places}/read_only/grid.png'],
             f'{places}/read_only/grid.png: permission denied']]
    if script == 'results_table':
        return [[[f'{places}/{run}', '--num_samples=100', '--nowrite_metrics'], RUN_ERRORS[run]] for run in broken]
    if script == 'launch_local_cluster':
        return [[[], 'give the training command after --'],
                [['--workers=0', '--', 'python', 'scripts/train_dcgan.py'], FLAG_ERROR]]
    return [[['--models=no_such_model'], FLAG_ERROR], [['--settings=no_such_loop'], 'loop must be one of'],
            [[f'--data_dir={places}/no_such_dir', '--models=dcgan'], 'MNIST file missing']]


def all_cases():
    yield from ((script, trainer_cases) for script in MODEL_TRAINERS)
    yield from ((script, judge_cases) for script in JUDGE_TRAINERS)
    yield from ((script, lambda script, places: [[[args], expected] for args, expected in output_cases(places)])
                for script in TOYS)
    yield from ((script, tool_cases) for script in ('sample', 'evaluate', 'make_figures', 'report', 'compare_runs'))
    yield from ((script, other_tool_cases) for script in ('export_pretrained', 'generate_keras_dcgan', 'results_table',
                                                          'launch_local_cluster', 'benchmark'))


def file_hashes(*roots):
    hashes = {}
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                with open(path, 'rb') as f:
                    hashes[path] = hashlib.md5(f.read()).hexdigest()
    return hashes


def run_scripts(cases, work_dir):
    """{script: its results} of every script's cases, run in one process (tests/script_cases.py)."""
    cases_path, results_path = work_dir / 'cases.json', work_dir / 'results.json'
    cases_path.write_text(json.dumps({script_path(script): [args for args, _ in script_cases]
                                      for script, script_cases in cases.items()}))
    command = DROP_FILE_OVERRIDES + [sys.executable, os.path.join(REPO_ROOT, 'tests', 'script_cases.py'),
                                     str(cases_path), str(results_path)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(results_path.read_text())
    return {script: results[script_path(script)]['results'] for script in cases}


def script_path(script):
    return os.path.join('scripts', f'{script}.py')


@pytest.fixture(scope='module')
def matrix(places, tmp_path_factory):
    """Every script's cases, their results, and whether any file changed or a new directory was left."""
    cases = {script: make_cases(script, places) for script, make_cases in all_cases()}
    watched = (places, os.path.join(REPO_ROOT, 'data'))
    before = file_hashes(*watched)
    results = run_scripts(cases, tmp_path_factory.mktemp('matrix'))
    after = file_hashes(*watched)
    changed = {path for path in set(before) | set(after) if before.get(path) != after.get(path)}
    left = [name for name in os.listdir(places) if name.startswith('new_')]
    return cases, results, changed, left


@pytest.mark.slow
@pytest.mark.parametrize('script', [script for script, _ in all_cases()])
def test_bad_input_gives_one_error_line_and_no_traceback(script, matrix):
    cases, results = matrix[0][script], matrix[1][script]
    for (args, expected), result in zip(cases, results):
        said = f'{script} {" ".join(args)} exited {result["code"]}:\n{result["stderr"][-3000:]}'
        assert 'Traceback' not in result['stderr'] + result['stdout'], said
        errors = [line for line in result['stderr'].splitlines() if line.startswith('error:')]
        if expected is FLAG_ERROR:
            assert result['code'] == 1 and 'Flags parsing error' in result['stderr'], said
        else:
            assert result['code'] == 2 and len(errors) == 1 and expected.lower() in errors[0].lower(), said


@pytest.mark.slow
def test_bad_input_changes_no_file_and_leaves_no_directory(matrix):
    _, _, changed, left = matrix
    assert not changed and not left
