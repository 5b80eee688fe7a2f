"""Data sets: what one example is (spec), the MNIST files and reader, and the reader a spec names."""
