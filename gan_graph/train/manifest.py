"""run.json: what a run directory holds, so every tool can rebuild its model.

The model module and its hyper-parameters (`models.describe` rebuilds the description from them), the
names of the logged losses (the columns of train_losses.pkl), the exported networks and their
checkpoints, the data spec and the code version. A directory written by the original notebook has no
manifest: its MLP generator is read from the checkpoint itself.
"""
import functools
import json
import os
import subprocess

from gan_graph import models
from gan_graph.data import spec as spec_lib
from gan_graph.models import mlp_gan
from gan_graph.train import checkpoints, files, run_dir

FORMAT = 1


class ManifestError(checkpoints.CheckpointError):
    """A run.json that cannot be read or does not describe a model gan_graph has."""


def jsonable(value):
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def of(description, seed=None, training=None):
    """The manifest of a description; a training run adds its seed and loop settings (loop.training_settings)."""
    record = {
        'format': FORMAT, 'model': description.module, 'name': description.name,
        'hparams': jsonable(description.hparams), 'shaping': list(description.shaping),
        'losses': description.logged_losses,
        'metrics': sorted(description.metric_names),   # the logged columns that are measurements, not losses
        'networks': {name: {'scope': network.scope, 'function': network.fn.__name__, 'kwargs': jsonable(network.kwargs)}
                     for name, network in description.networks.items()},
        'exports': {name: {'network': sampler.network, 'inputs': list(sampler.inputs),
                           'checkpoint': os.path.join(run_dir.CHECKPOINT_DIR, run_dir.GENERATOR_CHECKPOINT)}
                    for name, sampler in description.exports.items()},
        'data': description.data.as_json(),
        'code_version': code_version(),
    }
    if seed is not None:
        record['seed'] = seed
    if training is not None:
        record['training'] = dict(training)
    return record


SEGMENT_KEYS = ('seed', 'hparams', 'training')


def current_settings(record):
    """The settings a record trains with, flat by flag name: its seed, hyper-parameters and loop settings."""
    return {**({'seed': record['seed']} if 'seed' in record else {}), **jsonable(record['hparams']),
            **record.get('training', {})}


def segment(record, first_epoch, last_epoch):
    """One entry of the history: these epochs trained with the record's settings."""
    settings = {key: jsonable(record[key]) for key in SEGMENT_KEYS if key in record}
    return {'epochs': [first_epoch, last_epoch], **settings}


def with_history(record, saved, first_epoch, last_epoch):
    """`record` with its `history`: which epochs trained with which settings, one entry per stretch of
    epochs with the same ones. `saved`: the run's manifest before this process (None for a new run);
    this process trained epochs first_epoch..last_epoch."""
    earlier = []
    if saved is not None and first_epoch > 1:
        earlier = [dict(entry) for entry in saved.get('history', [segment(saved, 1, first_epoch - 1)])
                   if entry['epochs'][0] < first_epoch]
        if earlier:
            earlier[-1]['epochs'] = [earlier[-1]['epochs'][0], first_epoch - 1]
    now = segment(record, first_epoch, last_epoch)
    if earlier and all(earlier[-1].get(key) == now.get(key) for key in SEGMENT_KEYS):
        now['epochs'][0] = earlier.pop()['epochs'][0]
    return {**record, 'history': earlier + [now]}


@functools.lru_cache(maxsize=1)
def code_version():
    """The package version, and the git commit when run from a checkout."""
    from importlib import metadata
    try:
        version = metadata.version('gan_graph')
    except metadata.PackageNotFoundError:
        version = 'unknown'
    try:
        commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, timeout=5,
                                cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ''
    return f'{version}+{commit}' if commit else version


def path(run_directory):
    return run_dir.path(run_directory, run_dir.MANIFEST)


def write(run_directory, record):
    files.write_text(path(run_directory), json.dumps(record, indent=1, sort_keys=True) + '\n')


def read(run_directory):
    """The run's manifest, or None where there is none (the original notebook's directories)."""
    manifest_path = path(run_directory)
    if not os.path.exists(manifest_path):
        return None
    try:
        with open(manifest_path) as f:
            record = json.load(f)
    except (OSError, ValueError) as err:
        raise ManifestError(f'{manifest_path} is not a readable run manifest: {err}') from err
    if record.get('format') != FORMAT or record.get('model') not in models.MODELS:
        raise ManifestError(f'{manifest_path}: expected format {FORMAT} and a model of {sorted(models.MODELS)}, '
                            f'got format {record.get("format")!r} and model {record.get("model")!r}')
    return record


def recorded_seed(run_directory):
    """The seed a run directory trained with: run.json's, or flags.txt's --seed for runs that predate it;
    None where there is no run."""
    record = read(run_directory) if os.path.isdir(run_directory) else None
    if record is not None and 'seed' in record:
        return record['seed']
    seed = run_dir.flag_value(run_dir.path(run_directory, run_dir.FLAGS), 'seed')
    return None if seed is None else int(seed)


def describe(record):
    """The description a manifest records."""
    try:
        return models.describe(record['model'], record['hparams'])
    except (TypeError, ValueError) as err:
        raise ManifestError(f'run manifest of model {record["model"]!r} does not rebuild: {err}') from err


def data_spec(record):
    return spec_lib.DataSpec.from_json(record['data'])


def for_notebook_checkpoint(prefix, alpha=0.01):
    """The manifest of an MLP generator checkpoint written by the original notebook (which saved no
    description): `generator/dense*/kernel` give z_size, hidden and output sizes, and a third dense
    layer means the blog variant."""
    shapes = checkpoints.variable_shapes(prefix)
    kernels = [shapes.get(f'generator/{layer}/kernel') for layer in ('dense', 'dense_1', 'dense_2')]
    if kernels[0] is None or kernels[1] is None:
        found = ', '.join(sorted(name for name in shapes if not name.endswith(('/Adam', '/Adam_1')))) or 'nothing'
        raise checkpoints.CheckpointError(
            f'{prefix} holds no MLP generator (expected generator/dense/kernel and generator/dense_1/kernel; '
            f'found {found}).')
    arch = 'blog' if kernels[2] is not None else 'udacity'
    if arch == 'blog' and kernels[1][1] != mlp_gan.BLOG_SECOND_LAYER_UNITS:
        raise checkpoints.CheckpointError(f'{prefix}: generator/dense_1/kernel has shape {kernels[1]}, '
                                          f'the blog variant has {mlp_gan.BLOG_SECOND_LAYER_UNITS} units there.')
    z_size, n_units = kernels[0]
    out_dim = (kernels[2] if arch == 'blog' else kernels[1])[1]
    try:
        description = mlp_gan.describe(arch=arch, input_size=int(out_dim), z_size=int(z_size),
                                        g_hidden_size=int(n_units), alpha=alpha)
    except ValueError as err:
        raise checkpoints.CheckpointError(f'{prefix}: {err}') from err
    return {**of(description), 'written_by': 'original notebook'}


def resume_differences(saved, description):
    """'--key: saved X, now Y' for every shaping hyper-parameter (or the model) that differs."""
    current = of(description)
    differing = {}
    if saved.get('model') != current['model']:
        differing['model'] = (saved.get('model'), current['model'])
    for key in set(saved.get('shaping', [])) | set(current['shaping']):
        old, new = saved['hparams'].get(key), current['hparams'].get(key)
        if old != new:
            differing[key] = (old, new)
    return ', '.join(f'--{key}: saved {old!r}, now {new!r}' for key, (old, new) in sorted(differing.items()))
