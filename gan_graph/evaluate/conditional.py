"""Conditional generators (cgan): does the judge read the digit the generator was asked for?"""
import numpy as np

from gan_graph.evaluate import metrics
from gan_graph.train import sampling


def label_accuracy(checkpoint_dir, classify, per_digit=1000, seed=0):
    """How often `classify` (a judge: (N, 784) images in [-1, 1] -> N predicted digits) reads the digit
    the generator was asked for, over `per_digit` samples of each digit; returns (overall, per digit)."""
    labels = np.repeat(np.arange(metrics.NUM_CLASSES), per_digit)
    images = sampling.sample_generator(checkpoint_dir, len(labels), seed=seed, labels=labels)
    correct = np.asarray(classify(images)) == labels
    return float(correct.mean()), correct.reshape(metrics.NUM_CLASSES, per_digit).mean(axis=1)
