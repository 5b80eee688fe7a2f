"""Commit a run's generator as a pretrained one: `python scripts/export_pretrained.py --run_dir=DIR --name=dcgan`.

Writes data/pretrained/NAME/: run.json, generator.npz (the generator checkpoint's variables as
float16), the run's flags.txt and metrics.json where it has them (the epochs trained come from them)
and SHA256SUMS, then redraws the gallery of every pretrained generator (data/pretrained/gallery.png,
shown in the README). Its changed SHA256SUMS make runs/pretrained/NAME/ take the new generator at its
next use (the gallery's), keeping what other tools added there.
"""
from absl import flags

import gan_graph  # noqa: F401  (silences TensorFlow before it loads)
from gan_graph import cli
from gan_graph.figures import gallery
from gan_graph.train import pretrained

flags.DEFINE_string('run_dir', None, 'A run directory of ours (run.json, checkpoints/generator.ckpt).')
flags.DEFINE_string('name', None, 'Name under data/pretrained/, e.g. dcgan; what --pretrained= takes.')
flags.DEFINE_bool('verbose', False, "Show TensorFlow's own logs and warnings.")
flags.mark_flags_as_required(['run_dir', 'name'])
FLAGS = flags.FLAGS


def main(argv):
    del argv
    with cli.user_errors():
        size = pretrained.export(FLAGS.run_dir, FLAGS.name)
        print(f'Wrote {pretrained.DEFAULT_DIR}/{FLAGS.name} ({size / 1e6:.2f} MB)')
        print(f'Wrote {gallery.write_gallery()}')


if __name__ == '__main__':
    cli.run(main)
