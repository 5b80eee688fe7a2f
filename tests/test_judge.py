"""The committed MNIST judge: verified on load, accurate, its reference numbers reproducible; clear
errors for a missing or corrupt judge; training is deterministic and round-trips through save/load."""
import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from gan_graph.data import mnist
from gan_graph.evaluate import evaluation
from gan_graph.evaluate import judge
from gan_graph.evaluate import metrics
from conftest import DATA_DIR, REPO_ROOT

JUDGE_DIR = os.path.join(REPO_ROOT, 'data', 'judge')


@pytest.fixture(scope='module')
def committed_judge():
    with judge.load(JUDGE_DIR) as the_judge:
        yield the_judge


@pytest.fixture(scope='module')
def test_set():
    images, labels = mnist.load_arrays(DATA_DIR, 'test')
    return judge.to_judge_range(images), labels


def test_committed_judge_is_small_accurate_and_scoped(committed_judge):
    assert judge.checkpoint_bytes(JUDGE_DIR) < 2_000_000
    assert committed_judge.test_accuracy >= 0.99
    assert committed_judge.info['trained_on'] == 'MNIST training set, 60000 images'
    shapes = dict(tf.train.list_variables(os.path.join(JUDGE_DIR, judge.CHECKPOINT)))
    assert shapes == {'judge/conv1/kernel': [3, 3, 1, 32], 'judge/conv1/bias': [32],
                      'judge/conv2/kernel': [3, 3, 32, 64], 'judge/conv2/bias': [64],
                      'judge/dense1/kernel': [3136, 128], 'judge/dense1/bias': [128],
                      'judge/logits/kernel': [128, 10], 'judge/logits/bias': [10]}


def test_judge_classifies_real_test_images(committed_judge, test_set):
    images, labels = test_set
    probs, features = committed_judge.predict(images[:200])
    assert probs.shape == (200, 10) and features.shape == (200, judge.FEATURE_SIZE)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(np.argmax(probs[:20], axis=1), labels[:20])
    assert np.mean(np.argmax(probs, axis=1) == labels[:200]) >= 0.98


def test_recorded_accuracy_and_reference_match_a_fresh_computation(committed_judge, test_set):
    images, labels = test_set
    check_recorded_numbers(committed_judge, images, labels, evaluation.load_train_images(DATA_DIR))


def check_recorded_numbers(the_judge, images, labels, train):
    """judge.json's accuracy and the reference files equal what the judge computes on these test images."""
    probs, features = the_judge.predict(images)
    # tolerances allow for another CPU's float rounding (the judge was trained and measured on one)
    assert np.mean(np.argmax(probs, axis=1) == labels) == pytest.approx(the_judge.test_accuracy, abs=2e-4)
    reference, arrays = the_judge.reference, the_judge.reference_arrays()
    assert reference['classifier_score'] == pytest.approx(metrics.classifier_score(probs), rel=1e-4)
    mu, sigma = metrics.feature_statistics(features)
    np.testing.assert_allclose(arrays['test_mu'], mu, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(arrays['test_sigma'], sigma, rtol=1e-4, atol=1e-5)
    # nearest training image of a few test images, brute force
    distances, _ = metrics.nearest_neighbours(images[:50], train)
    np.testing.assert_allclose(arrays['test_nn_distances'][:50], distances, rtol=1e-5)
    assert 9.5 < reference['classifier_score'] <= 10 and reference['modes_covered'] == 10
    assert 0 < reference['frechet_distance'] < 5


def test_committed_outline_judge_reads_outlines_of_the_test_digits(committed_judge, test_set):
    """The outline judge (for CycleGAN's G(a)): verified on load, the digits judge's network, trained on
    outline sketches; its recorded numbers are those of the test digits' outlines."""
    outline_dir = os.path.join(REPO_ROOT, judge.OUTLINE_JUDGE_DIR)
    images01, labels = mnist.load_arrays(DATA_DIR, 'test')
    outlines = judge.domain_images(images01, 'outlines')
    assert set(np.unique(outlines)) == {-1.0, 1.0} and np.mean(outlines > 0) < np.mean(test_set[0] > 0)
    with judge.load(outline_dir) as outline_judge:
        assert outline_judge.info['domain'] == 'outlines' and outline_judge.test_accuracy >= 0.98
        assert dict(tf.train.list_variables(os.path.join(outline_dir, judge.CHECKPOINT))) == dict(
            tf.train.list_variables(os.path.join(JUDGE_DIR, judge.CHECKPOINT)))
        train01, _ = mnist.load_arrays(DATA_DIR, 'train')
        check_recorded_numbers(outline_judge, outlines, labels, judge.domain_images(train01, 'outlines'))
        # each judge reads its own domain: the digits judge is worse on outlines than the outline judge
        digits_judge_on_outlines = np.mean(committed_judge.classify(outlines[:1000]) == labels[:1000])
        assert digits_judge_on_outlines < np.mean(outline_judge.classify(outlines[:1000]) == labels[:1000]) - 0.02


def test_default_judge_is_the_committed_one_loaded_once():
    first = judge.default_judge()
    assert judge.default_judge() is first
    assert first.fingerprint == judge.fingerprint(JUDGE_DIR) and first.test_accuracy >= 0.99


def test_the_judges_input_is_the_size_the_metrics_check():
    assert judge.IMAGE_SIZE == metrics.IMAGE_SIZE == 784 and judge.IMAGE_SHAPE == (28, 28)


def test_predict_rejects_bad_images(committed_judge):
    with pytest.raises(ValueError, match=r'\[-1, 1\]'):
        committed_judge.predict(np.full((2, 784), 255.0))
    with pytest.raises(ValueError, match=r'shape \(N, 784\)'):
        committed_judge.predict(np.zeros((2, 28, 28)))


def copy_judge(tmp_path):
    directory = tmp_path / 'judge'
    shutil.copytree(JUDGE_DIR, directory)
    return directory


def test_corrupt_judge_file_is_named(tmp_path):
    directory = copy_judge(tmp_path)
    data_file = directory / f'{judge.CHECKPOINT}.data-00000-of-00001'
    raw = bytearray(data_file.read_bytes())
    raw[1000] ^= 0xFF
    data_file.write_bytes(bytes(raw))
    with pytest.raises(judge.JudgeError, match=r'judge file corrupt: .*judge.ckpt.data-00000-of-00001 has SHA-256'):
        judge.load(str(directory))


def test_missing_judge_files_are_named(tmp_path):
    directory = copy_judge(tmp_path)
    os.remove(directory / judge.REFERENCE_NPZ)
    with pytest.raises(judge.JudgeError, match=r'judge file missing: .*reference.npz'):
        judge.load(str(directory))
    os.remove(directory / judge.MANIFEST)
    with pytest.raises(judge.JudgeError, match=r'judge manifest missing: .*SHA256SUMS.*train_classifier.py'):
        judge.load(str(directory))
    with pytest.raises(judge.JudgeError, match='judge directory not found'):
        judge.load(str(tmp_path / 'nowhere'))


def test_training_is_deterministic_and_round_trips_through_save(tmp_path, test_set):
    """A tiny training run (not the committed one): same seed, same weights; save -> verified load."""
    images, labels = test_set
    train_images, train_labels = images[:600], labels[:600]
    first, accuracy, _ = judge.train(train_images, train_labels, images[600:800], labels[600:800],
                                     epochs=1, seed=3, log=lambda line: None)
    second, _, _ = judge.train(train_images, train_labels, images[600:800], labels[600:800],
                               epochs=1, seed=3, log=lambda line: None)
    assert judge.values_digest(first) == judge.values_digest(second)
    assert 0.5 < accuracy <= 1.0
    with judge.Judge(values=first) as fresh:
        reference, arrays = evaluation.compute_reference(fresh, train_images, images[800:900], log=lambda line: None)
        expected = fresh.predict(images[:5])[0]
    info = {'test_accuracy': accuracy, 'weights_sha256': judge.values_digest(first)}
    directory = judge.save(str(tmp_path / 'tiny_judge'), first, info, reference, arrays)
    assert sorted(os.listdir(directory)) == ['SHA256SUMS', 'judge.ckpt.data-00000-of-00001', 'judge.ckpt.index',
                                             'judge.json', 'reference.json', 'reference.npz']
    with judge.load(directory) as loaded:
        np.testing.assert_allclose(loaded.predict(images[:5])[0], expected, rtol=1e-6, atol=1e-7)
        assert loaded.reference['frechet_distance_num_images'] == 100
    with open(os.path.join(directory, judge.INFO)) as f:
        assert json.load(f)['test_accuracy'] == accuracy
