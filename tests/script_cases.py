"""Runs one script's cases in one process, so TensorFlow is imported once, not once a case:

    python tests/script_cases.py scripts/NAME.py CASES.json RESULTS.json

CASES.json is a list of argument lists. Each case parses its own flags and calls the script's `main` as
absl's `app.run` does (a flag error: absl's message and exit 1); its stdout and stderr are captured at
the file descriptors, so TensorFlow's own output is caught too. RESULTS.json gets, per case, the exit
code and both outputs; an exception that escapes `main` is printed as the traceback Python would print.
"""
import contextlib
import json
import os
import runpy
import sys
import tempfile
import traceback


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
    from absl import app
    try:
        main(app.parse_flags_with_usage(argv))
        return 0
    except SystemExit as exit:
        return exit_code(exit)
    except BaseException:  # noqa: B036  (what escapes reaches the user as a traceback)
        traceback.print_exc()
        return 1


def run_case(main, script, args):
    from absl import flags
    flags.FLAGS.unparse_flags()    # every case starts from the defaults
    with captured_output() as (stdout, stderr):
        code = call(main, [script, *args])
    return {'args': args, 'code': code, 'stdout': stdout.read(), 'stderr': stderr.read()}


def main():
    script, cases_path, results_path = sys.argv[1:4]
    sys.argv = [script]
    module = runpy.run_path(script, run_name='script_under_test')   # defines its flags; main not run
    with open(cases_path) as f:
        cases = json.load(f)
    results = [run_case(module['main'], script, args) for args in cases]
    with open(results_path, 'w') as f:
        json.dump(results, f)


if __name__ == '__main__':
    main()
