"""gan_graph: the classic TF1 graph-mode GAN tutorials, ported to tensorflow.compat.v1.

Importing the package silences TensorFlow's C++ logs and Python deprecation warnings unless the
command line asks for ``--verbose`` (the C++ log level must be set before TensorFlow loads).
"""
from gan_graph import quiet as _quiet

_quiet.configure()
