"""Pretrained generators, committed so a user samples in seconds without training.

`data/pretrained/<name>/` holds the generator of one of the README's runs: `run.json` (its manifest),
`generator.npz` (the generator checkpoint's variables stored as float16, to keep the repository small),
the run's `flags.txt` (its command's flags) and `metrics.json` (what evaluate.py measured on the
float32 run, the README's numbers) where the run has them, and `SHA256SUMS` over all, checked on every
use. `run_directory(name)` writes it out as an ordinary run directory, `runs/pretrained/<name>/` with
run.json, flags.txt and checkpoints/generator.ckpt (float32), so sample.py, make_figures.py and evaluate.py
use it as they use any run. It writes there once, and again only when the stored generator changes, keeping
what those tools added (metrics.json, figures/, report.html); `pretrained.json`, written last, says which
generator it holds (its name, epochs and checksums).
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
ORIGIN = 'pretrained.json'   # in the run directory: which generator it holds; written last, so it marks it complete


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


def checksums(directory):
    """{file name: sha256} as the SHA256SUMS of a pretrained generator lists them."""
    with open(os.path.join(directory, SUMS)) as f:
        return dict(reversed(line.split()) for line in f if line.strip())


def verified_dir(name, pretrained_dir=DEFAULT_DIR):
    """data/pretrained/<name>, its files checked against SHA256SUMS."""
    names = available(pretrained_dir)
    if name not in names:
        raise PretrainedError(f'--pretrained={name}: no such pretrained generator; there are {names}')
    directory = os.path.join(mnist.resolve_data_dir(pretrained_dir), name)
    expected = checksums(directory)
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
    checkpoints.check_readable(prefix)   # before anything is written into the store
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
    for filename in RECORDS:
        if filename in records:
            shutil.copy(run_dir.path(run_directory, filename), os.path.join(directory, filename))
        elif os.path.exists(os.path.join(directory, filename)):
            os.remove(os.path.join(directory, filename))  # an earlier export's: it would describe another run
    write_sums(directory, [run_dir.MANIFEST, WEIGHTS] + records)
    return sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory))


def recorded_epochs(source):
    """The epochs the run behind a pretrained generator trained: what its metrics.json measured them from
    (its train_samples.pkl), else its flags.txt's --epochs; None where it kept neither."""
    metrics_path = os.path.join(source, run_dir.METRICS)
    if os.path.exists(metrics_path):
        with open(metrics_path) as f:
            epochs = json.load(f).get('epochs')
        if epochs is not None:
            return epochs
    epochs = run_dir.flag_value(os.path.join(source, run_dir.FLAGS), 'epochs')
    return None if epochs is None else int(epochs)


def origin(run_directory):
    """The ORIGIN record of a run directory that run_directory() wrote, or None (any other run, or one
    whose writing was interrupted)."""
    path = run_dir.path(run_directory, ORIGIN)
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError:
        return None


def generator_prefix(run_directory):
    return os.path.join(run_dir.checkpoint_dir(run_directory), run_dir.GENERATOR_CHECKPOINT)


def is_current(target, sums):
    """Whether `target` is complete and holds the generator whose SHA256SUMS are `sums`."""
    record = origin(target)
    return (record is not None and record.get('sha256') == sums
            and checkpoints.checkpoint_exists(generator_prefix(target)))


def write_generator_checkpoint(weights_path, prefix):
    """The float16 weights as a float32 generator checkpoint, as training writes it (no meta graph)."""
    with np.load(weights_path) as weights, tf.Graph().as_default():
        variables = [v1.Variable(weights[var_name].astype(np.float32), name=var_name) for var_name in weights.files]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            saver = v1.train.Saver(variables, save_relative_paths=True)
            saver.save(sess, prefix, write_meta_graph=False)


def write_run_directory(source, target, name, sums):
    """Write (or rewrite) the generator's files into `target`, leaving every other file there alone."""
    origin_path = run_dir.path(target, ORIGIN)
    if os.path.exists(origin_path):
        os.remove(origin_path)  # until it is written again, last, the directory reads as incomplete
    os.makedirs(run_dir.checkpoint_dir(target), exist_ok=True)
    for filename in (run_dir.MANIFEST, run_dir.FLAGS):
        if os.path.exists(os.path.join(source, filename)):
            shutil.copy(os.path.join(source, filename), run_dir.path(target, filename))
        elif os.path.exists(run_dir.path(target, filename)):
            os.remove(run_dir.path(target, filename))  # an earlier generator's
    write_generator_checkpoint(os.path.join(source, WEIGHTS), generator_prefix(target))
    record = {'name': name, 'epochs': recorded_epochs(source), 'sha256': sums}
    files.write_text(origin_path, json.dumps(record, indent=1, sort_keys=True) + '\n')


def run_directory(name, runs_dir=DEFAULT_RUNS_DIR, pretrained_dir=DEFAULT_DIR):
    """runs/pretrained/<name>: the pretrained generator as a run directory. Written when missing, incomplete
    or holding another generator than data/pretrained/<name>'s; what other tools added there stays."""
    source = verified_dir(name, pretrained_dir)
    target = os.path.join(runs_dir, name)
    sums = checksums(source)
    if not is_current(target, sums):
        write_run_directory(source, target, name, sums)
    return target
