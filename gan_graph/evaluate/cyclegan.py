"""CycleGAN on the test split: how well each cycle closes and whether translations keep the digit.

- cycle L1: mean |F(G(a)) - a| and mean |G(F(b)) - b| over the test split's digits and outlines, in the
  data's [-1, 1] units (the training loss's terms, without lambda);
- label survival: the MNIST judge's accuracy on F(G(a)) (a digit translated to an outline and back) and
  on F(b) (an outline translated to a digit), against the labels of the digits they came from; the
  judge's accuracy on the real test digits, cropped the same way, is the ceiling; and the outline
  judge's (the same network trained on outlines of the training digits, `data/outline_judge/`) on G(a),
  with its accuracy on the real test outlines as that ceiling;
- ink: the share of G(a)'s pixels above mid-grey beside the real outlines' share. A cycle can close
  through a G(a) that looks blank, the digit hidden in faint values F learns to read back (Chu et al.
  2017, "CycleGAN, a master of steganography"): high survival of F(G(a)) with no ink in G(a) is that.

Both generators are restored from the run's full training checkpoint (generator.ckpt holds G only).
"""

import numpy as np
import tensorflow as tf

from gan_graph.data import mnist, readers
from gan_graph.evaluate import evaluation
from gan_graph.models import cyclegan, description as d
from gan_graph.train import checkpoints, graph as graph_lib, manifest, run_dir, sampling, session as session_lib

v1 = tf.compat.v1

ROWS = (('cycle L1, A -> B -> A', 'cycle_l1_a', '{:.4f}'), ('cycle L1, B -> A -> B', 'cycle_l1_b', '{:.4f}'),
        ('judge accuracy on F(G(a))', 'survival_reconstructed_a', '{:.2%}'),
        ('judge accuracy on F(b)', 'survival_translated_b', '{:.2%}'),
        ('judge accuracy on real a (ceiling)', 'judge_real_a', '{:.2%}'),
        ('outline judge accuracy on G(a)', 'survival_translated_a', '{:.2%}'),
        ('outline judge on real b (ceiling)', 'outline_judge_real_b', '{:.2%}'),
        ('ink of G(a) (pixels > 0)', 'ink_fake_b', '{:.2%}'), ('ink of real outlines b', 'ink_real_b', '{:.2%}'))


class Translator(session_lib.OwnSession):
    """Both generators and both discriminators of a run, restored in their own graph and session."""

    OUTPUTS = ('fake_b', 'reconstructed_a', 'fake_a', 'reconstructed_b')

    def __init__(self, run_directory):
        checkpoint_dir = run_dir.checkpoint_dir(run_directory)
        self.record = sampling.run_manifest(checkpoint_dir)
        self.description = manifest.describe(self.record)
        prefix = checkpoints.latest_training_checkpoint(checkpoint_dir)
        if prefix is None:
            raise checkpoints.CheckpointError(f'no training checkpoint in {checkpoint_dir}: CycleGAN metrics and '
                                              f'figures need both generators, saved there by training.')
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.a = graph_lib.input_placeholder(self.description, 'a')
            self.b = graph_lib.input_placeholder(self.description, 'b')
            calls = d.Calls(self.description.networks, set())
            _, fake_b, reconstructed_a, _, fake_a, reconstructed_b = cyclegan.cycle_rows(calls, d.Batch(a=self.a,
                                                                                                         b=self.b))
            self.outputs = dict(zip(self.OUTPUTS, (fake_b, reconstructed_a, fake_a, reconstructed_b)))
            self.maps = {'a': calls.discriminator_a(self.a), 'b': calls.discriminator_b(self.b)}
            saver = v1.train.Saver(var_list=v1.global_variables())
            self.session = v1.Session(graph=self.graph)
            checkpoints.restore(self.session, saver, prefix)

    def translate(self, a, b, batch_size=500):
        """{'fake_b': G(a), 'reconstructed_a': F(G(a)), 'fake_a': F(b), 'reconstructed_b': G(F(b))}."""
        chunks = [self.session.run(self.outputs, {self.a: a[start:start + batch_size],
                                                  self.b: b[start:start + batch_size]})
                  for start in range(0, len(a), batch_size)]
        return {name: np.concatenate([chunk[name] for chunk in chunks]) for name in self.OUTPUTS}

    def patch_scores(self, a, b):
        """The discriminators' maps of scores: D_A on images of domain A, D_B on images of domain B."""
        return self.session.run(self.maps, {self.a: a, self.b: b})


def test_domains(description, data_dir=mnist.DEFAULT_DATA_DIR):
    """(digits, outlines, digit labels, outline labels) of the test split."""
    test = readers.read(description.data, data_dir).test
    return test.all_images[:, 0], test.all_images[:, 1], test.all_labels[:, 0], test.all_labels[:, 1]


def judge_accuracy(judge, images, labels, spec):
    probs, _ = judge.predict(evaluation.judge_input(images, spec))
    return float(np.mean(np.argmax(probs, axis=1) == labels))


def cycle_metrics(judge, outline_judge, a, b, labels_a, labels_b, outputs, spec):
    return {'cycle_l1_a': float(np.mean(np.abs(outputs['reconstructed_a'] - a))),
            'cycle_l1_b': float(np.mean(np.abs(outputs['reconstructed_b'] - b))),
            'survival_reconstructed_a': judge_accuracy(judge, outputs['reconstructed_a'], labels_a, spec),
            'survival_translated_b': judge_accuracy(judge, outputs['fake_a'], labels_b, spec),
            'judge_real_a': judge_accuracy(judge, a, labels_a, spec),
            'survival_translated_a': judge_accuracy(outline_judge, outputs['fake_b'], labels_a, spec),
            'outline_judge_real_b': judge_accuracy(outline_judge, b, labels_b, spec),
            'ink_fake_b': float(np.mean(outputs['fake_b'] > 0)), 'ink_real_b': float(np.mean(b > 0))}


def evaluate_run(run_directory, judge, outline_judge, data_dir=mnist.DEFAULT_DATA_DIR, num_examples=None):
    """The metrics.json record of a CycleGAN run on the first `num_examples` test rows (all: None)."""
    info = evaluation.run_info(run_directory)
    with Translator(run_directory) as restored:
        spec = restored.description.data
        a, b, labels_a, labels_b = (values[:num_examples] for values in test_domains(restored.description, data_dir))
        outputs = restored.translate(a, b)
    return {**info, 'num_examples': len(a), 'judge': evaluation.judge_record(judge),
            'outline_judge': evaluation.judge_record(outline_judge),
            'metrics': cycle_metrics(judge, outline_judge, a, b, labels_a, labels_b, outputs, spec)}


def format_table(record):
    lines = [f'{label:<36}{fmt.format(record["metrics"][key]):>10}' for label, key, fmt in ROWS]
    return '\n'.join(lines + [f'{record["num_examples"]} test digits and as many outlines of other test digits.'])
