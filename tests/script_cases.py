"""Runs scripts' cases in one process, so TensorFlow is imported once, not once a script or a case:

    python tests/script_cases.py CASES.json RESULTS.json

CASES.json maps each script's path to a list of argument lists (an empty list: only its flags are read).
Each script is loaded without running its main, so it defines its flags; each case parses its own flags
and calls the script's `main` as absl's `app.run` does (a flag error: absl's message and exit 1), its
stdout and stderr captured at the file descriptors, so TensorFlow's own output is caught too. Then the
script's flags are removed again, so the next script can define its own. RESULTS.json maps each script
to its flags ({name: is boolean}) and, per case, the exit code and both outputs; an exception that
escapes `main` is printed as the traceback Python would print.
"""
import contextlib
import json
import os
import runpy
import sys
import tempfile
import traceback

import gan_graph  # noqa: F401  (quiets TensorFlow before it loads)
from absl import app, flags
from tensorflow.python.framework import config as tf_config   # the one switch without a public "off"

FLAGS = flags.FLAGS


@contextlib.contextmanager
def captured_output():
    """stdout and stderr of the block, at the file descriptors, as two files read back afterwards."""
    captured = [tempfile.TemporaryFile(mode='w+') for _ in range(2)]
    saved = [os.dup(1), os.dup(2)]
    sys.stdout.flush(), sys.stderr.flush()
    os.dup2(captured[0].fileno(), 1)
    os.dup2(captured[1].fileno(), 2)
    try:
        yield captured
    finally:
        sys.stdout.flush(), sys.stderr.flush()
        for fd, original in zip((1, 2), saved):
            os.dup2(original, fd)
            os.close(original)
        for f in captured:
            f.seek(0)


def exit_code(exit):
    if exit.code is None:
        return 0
    return exit.code if isinstance(exit.code, int) else 1   # sys.exit('text') prints it and exits 1


def call(main, argv):
    """What `app.run(main)` would exit with for these arguments."""
    try:
        main(app.parse_flags_with_usage(argv))
        return 0
    except SystemExit as exit:
        return exit_code(exit)
    except BaseException:  # noqa: B036  (what escapes reaches the user as a traceback)
        traceback.print_exc()
        return 1


def run_case(main, script, args):
    FLAGS.unparse_flags()    # every case starts from the defaults
    with captured_output() as (stdout, stderr):
        code = call(main, [script, *args])
    return {'args': args, 'code': code, 'stdout': stdout.read(), 'stderr': stderr.read()}


def run_script(script, cases):
    """The script's flags and its cases' results; its flags are removed afterwards."""
    before = set(FLAGS)
    sys.argv = [script]
    module = runpy.run_path(script, run_name='script_under_test')   # defines its flags; main not run
    defined = {name: isinstance(FLAGS[name], flags.BooleanFlag) for name in FLAGS}
    results = [run_case(module['main'], script, args) for args in cases]
    for name in set(FLAGS) - before:
        delattr(FLAGS, name)
    # A process-wide setting a script may turn on (train_classifier.py: deterministic ops, which then refuse
    # unseeded random ops in the next script's graphs) is turned off again, as a fresh process would have it.
    if tf_config.is_op_determinism_enabled():
        tf_config.disable_op_determinism()
    return {'flags': defined, 'results': results}


def main():
    cases_path, results_path = sys.argv[1:3]
    with open(cases_path) as f:
        cases = json.load(f)
    results = {script: run_script(script, script_cases) for script, script_cases in cases.items()}
    with open(results_path, 'w') as f:
        json.dump(results, f)


if __name__ == '__main__':
    main()
