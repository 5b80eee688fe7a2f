"""Offline quality: the MNIST judge, the metrics, and run evaluation and comparison."""
