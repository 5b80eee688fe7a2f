"""Pretrained generators, committed so a user samples in seconds without training.

`data/pretrained/<name>/` holds the generator of one of the README's runs: `run.json` (its manifest),
`generator.npz` (the generator checkpoint's variables stored as float16, to keep the repository small),
the run's `flags.txt` (its command's flags) and `metrics.json` (what evaluate.py measured on the
float32 run, the README's numbers) where the run has them, and `SHA256SUMS` over all, checked on every
use. `run_directory(name)` writes it out as an ordinary run directory, `runs/pretrained/<name>/` with
run.json and checkpoints/generator.ckpt (float32), so sample.py, make_figures.py and evaluate.py use it
as they use any run.
"""
import hashlib
import json
import os
import shutil

import numpy as np
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.train import checkpoints, files, manifest, run_dir

v1 = tf.compat.v1

DEFAULT_DIR = os.path.join('data', 'pretrained')
DEFAULT_RUNS_DIR = os.path.join('runs', 'pretrained')
WEIGHTS = 'generator.npz'
RECORDS = (run_dir.FLAGS, run_dir.METRICS)   # copied from the run when it has them
SUMS = 'SHA256SUMS'


class PretrainedError(checkpoints.CheckpointError):
    """No such pretrained generator, or its files do not match their checksums."""


def available(pretrained_dir=DEFAULT_DIR):
    directory = mnist.resolve_data_dir(pretrained_dir)
    if not os.path.isdir(directory):
        return []
    return sorted(name for name in os.listdir(directory) if os.path.isfile(os.path.join(directory, name, SUMS)))


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_sums(directory, names):
    files.write_text(os.path.join(directory, SUMS), ''.join(f'{sha256(os.path.join(directory, name))}  {name}\n'
                                                           for name in names))


def verified_dir(name, pretrained_dir=DEFAULT_DIR):
    """data/pretrained/<name>, its files checked against SHA256SUMS."""
    names = available(pretrained_dir)
    if name not in names:
        raise PretrainedError(f'--pretrained={name}: no such pretrained generator; there are {names}')
    directory = os.path.join(mnist.resolve_data_dir(pretrained_dir), name)
    with open(os.path.join(directory, SUMS)) as f:
        expected = dict(reversed(line.split()) for line in f if line.strip())
    for filename in (run_dir.MANIFEST, WEIGHTS) + tuple(filename for filename in RECORDS if filename in expected):
        path = os.path.join(directory, filename)
        if not os.path.exists(path) or sha256(path) != expected.get(filename):
            raise PretrainedError(f'{path} is missing or does not match {SUMS}: restore it with git checkout')
    return directory


def recorded_metrics(name, pretrained_dir=DEFAULT_DIR):
    """The metrics.json of the run behind a pretrained generator (None if it had none)."""
    path = os.path.join(verified_dir(name, pretrained_dir), run_dir.METRICS)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def export(run_directory, name, pretrained_dir=DEFAULT_DIR):
    """Store the generator of `run_directory` as data/pretrained/<name>; returns its size in bytes."""
    prefix = checkpoints.find_generator_checkpoint(run_dir.checkpoint_dir(run_directory))
    record = manifest.read(run_directory)
    if record is None:
        raise PretrainedError(f'{run_directory} has no {run_dir.MANIFEST}: only our runs can be exported')
    weights = {var_name: tf.train.load_variable(prefix, var_name).astype(np.float16)
               for var_name, _ in tf.train.list_variables(prefix)}
    directory = os.path.join(mnist.resolve_data_dir(pretrained_dir), name)
    os.makedirs(directory, exist_ok=True)
    with files.atomic_path(os.path.join(directory, WEIGHTS)) as tmp_path:
        with open(tmp_path, 'wb') as f:
            np.savez_compressed(f, **weights)
    files.write_text(os.path.join(directory, run_dir.MANIFEST), json.dumps(record, indent=1, sort_keys=True) + '\n')
    records = [filename for filename in RECORDS if os.path.exists(run_dir.path(run_directory, filename))]
    for filename in records:
        shutil.copy(run_dir.path(run_directory, filename), os.path.join(directory, filename))
    write_sums(directory, [run_dir.MANIFEST, WEIGHTS] + records)
    return sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory))


def run_directory(name, runs_dir=DEFAULT_RUNS_DIR, pretrained_dir=DEFAULT_DIR):
    """runs/pretrained/<name>: the pretrained generator as a run directory (written anew each time)."""
    source = verified_dir(name, pretrained_dir)
    target = os.path.join(runs_dir, name)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(run_dir.checkpoint_dir(target))
    shutil.copy(os.path.join(source, run_dir.MANIFEST), run_dir.path(target, run_dir.MANIFEST))
    with np.load(os.path.join(source, WEIGHTS)) as weights, tf.Graph().as_default():
        variables = [v1.Variable(weights[var_name].astype(np.float32), name=var_name) for var_name in weights.files]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            saver = v1.train.Saver(variables, save_relative_paths=True)
            saver.save(sess, os.path.join(run_dir.checkpoint_dir(target), run_dir.GENERATOR_CHECKPOINT),
                       write_meta_graph=False)
    return target
