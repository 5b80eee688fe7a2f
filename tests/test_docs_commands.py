"""Every command that README.md and docs/**/*.md show parses: its script exists and each flag it gives
is one the script defines.

A command is `python scripts/NAME.py ...` (or `scripts/NAME.py ...`, or `NAME.py ...` at its start
where scripts/NAME.py exists, as tables write them) on a line of a code block (fenced or indented; a
trailing backslash continues the line) or in an inline code span (which may run over a line break).
A name with an uppercase placeholder (`scripts/train_NAME.py`) is a pattern, not a command. Its
`--flag`, `--noflag`, `--flag=VALUE` and `[--flag=VALUE]` tokens are checked by name only, so
placeholders as values (`--run_dir=DIR`, `--output=<file>`) are fine. After `--`,
scripts/launch_local_cluster.py runs another command, checked as its own.

A script's flags are read by loading it once (tests/script_cases.py, every script in one process): the
script's own, the shared training flags of gan_graph/cli.py, and absl's.
"""
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, 'scripts')
LAUNCHER = 'launch_local_cluster'
ABSL_FLAGS = {'help', 'helpshort', 'helpfull', 'helpxml', 'flagfile', 'undefok'}

FENCE = re.compile(r'^\s*(```|~~~)')
INLINE_CODE = re.compile(r'(`+)(.+?)\1', re.S)
# `python scripts/NAME.py`, `scripts/NAME.py` or `NAME.py`, at the start of a command or after a space
SCRIPT = re.compile(r'(?:(?<=\s)|^)(python3?\s+)?(scripts/)?([A-Za-z0-9_]+)\.py(?=\s|$)')
SEPARATORS = re.compile(r'\s*(?:&&|\|\||;|(?<!\\)\|)\s*')
PLACEHOLDER = re.compile(r'(?:^|_)[A-Z]{2,}(?:_|$)')  # NAME in train_NAME


def doc_files():
    paths = [os.path.join(ROOT, 'README.md')]
    for directory, _, names in sorted(os.walk(os.path.join(ROOT, 'docs'))):
        paths += [os.path.join(directory, name) for name in sorted(names) if name.endswith('.md')]
    return [path for path in paths if os.path.exists(path)]


def code_and_text(lines):
    """(code lines, text paragraphs) of a Markdown file, each with its first line's number (1-based).

    Code: the lines of fenced blocks and of indented blocks (4 spaces or a tab after a blank line or
    another code line), backslash continuations joined. Text: the other lines, one string per paragraph."""
    code, paragraphs = [], []
    in_fence, previous_blank, previous_code, paragraph, pending = False, True, False, [], None

    def end_paragraph():
        if paragraph:
            paragraphs.append((paragraph[0][0], '\n'.join(text for _, text in paragraph)))
            paragraph.clear()

    def add_code(number, text):
        nonlocal pending
        if pending is not None:
            number, text = pending[0], pending[1] + ' ' + text.strip()
        if text.rstrip().endswith('\\'):
            pending = (number, text.rstrip()[:-1])
        else:
            pending = None
            code.append((number, text.strip()))

    for number, line in enumerate(lines, 1):
        if FENCE.match(line):
            end_paragraph()
            in_fence, previous_blank, previous_code = not in_fence, False, False
            continue
        if in_fence:
            add_code(number, line)
            continue
        indented = line.startswith(('    ', '\t')) and line.strip()
        if indented and (previous_blank or previous_code) and not paragraph:
            add_code(number, line)
            previous_code, previous_blank = True, False
            continue
        previous_code = False
        if not line.strip():
            end_paragraph()
            previous_blank = True
            continue
        previous_blank = False
        paragraph.append((number, line))
    end_paragraph()
    return code, paragraphs


def shell_commands(text):
    """The commands of one shell line, split at `&&`, `||`, `;` and unescaped pipes, comments dropped."""
    text = re.sub(r'(^|\s)#.*$', '', text)
    return [part.strip() for part in SEPARATORS.split(text) if part.strip()]


def tokens_of(text):
    try:
        return shlex.split(text.replace('\\|', '|'))
    except ValueError:
        return text.replace('\\|', '|').split()


def script_invocations(command):
    """[(script name, its argument tokens, explicit scripts/ prefix)] of one command; nested ones after a
    launcher's `--` follow as their own."""
    found = []
    match = SCRIPT.search(command)
    if not match:
        return found
    explicit, name = bool(match.group(1) or match.group(2)), match.group(3)
    if PLACEHOLDER.search(name):
        return found  # scripts/train_NAME.py: a pattern, not a script
    if not explicit and (match.start() > 0 or not os.path.exists(os.path.join(SCRIPTS, name + '.py'))):
        return found  # a module or a reference's file named in passing, not one of our scripts
    args = tokens_of(command[match.end():])
    if '--' in args:
        index = args.index('--')
        rest = ' '.join(shlex.quote(token) for token in args[index + 1:])
        args = args[:index]
        if name == LAUNCHER:
            found.append((name, args, explicit))
            return found + script_invocations(rest)
    found.append((name, args, explicit))
    return found


def commands_of(path):
    """[(line number, command text)] of every command a Markdown file shows."""
    with open(path, encoding='utf-8') as handle:
        code, paragraphs = code_and_text(handle.read().splitlines())
    found = []
    for number, line in code:
        found += [(number, command) for command in shell_commands(line)]
    for number, paragraph in paragraphs:
        for match in INLINE_CODE.finditer(paragraph):
            span = ' '.join(match.group(2).split())
            line = number + paragraph[:match.start()].count('\n')
            found += [(line, command) for command in shell_commands(span)]
    return [(number, command) for number, command in found if script_invocations(command)]


def flag_names(args):
    """The flag names an argument list gives: `--name`, `--name=VALUE`, `[--name=VALUE]`."""
    names = []
    for token in args:
        token = token.strip('[](),')
        if not token.startswith('--') or token == '--':
            continue
        names.append(token[2:].split('=', 1)[0])
    return names


def script_flags(names, work_dir):
    """{name: ({flag names}, {boolean flag names})} the scripts define, each loaded once in one process
    (tests/script_cases.py with no cases: it defines its flags, and they are read back)."""
    cases_path, results_path = os.path.join(work_dir, 'scripts.json'), os.path.join(work_dir, 'flags.json')
    with open(cases_path, 'w') as f:
        json.dump({os.path.join('scripts', name + '.py'): [] for name in names}, f)
    result = subprocess.run([sys.executable, os.path.join(ROOT, 'tests', 'script_cases.py'), cases_path, results_path],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(results_path) as f:
        defined = {path: found['flags'] for path, found in json.load(f).items()}
    return {name: (set(defined[os.path.join('scripts', name + '.py')]) | ABSL_FLAGS,
                   {flag for flag, boolean in defined[os.path.join('scripts', name + '.py')].items() if boolean}
                   | {'help', 'helpfull', 'helpshort', 'helpxml'})
            for name in names}


def problems(command, flags_of):
    """What is wrong with a command: a missing script, or flags its script does not define."""
    errors = []
    for name, args, _ in script_invocations(command):
        if not os.path.exists(os.path.join(SCRIPTS, name + '.py')):
            errors.append(f'scripts/{name}.py does not exist')
            continue
        defined, booleans = flags_of(name)
        for flag in flag_names(args):
            if flag in defined or (flag.startswith('no') and flag[2:] in booleans):
                continue
            errors.append(f'scripts/{name}.py has no flag --{flag}')
    return errors


def all_commands():
    cases = []
    for path in doc_files():
        relative = os.path.relpath(path, ROOT)
        cases += [pytest.param(command, id=f'{relative}:{number}') for number, command in commands_of(path)]
    return cases


COMMANDS = all_commands()


SELF_TEST_SCRIPTS = {'sample', 'launch_local_cluster', 'train_mnist'}


def scripts_named(commands):
    names = set()
    for command in commands:
        names |= {name for name, _, _ in script_invocations(command)
                  if os.path.exists(os.path.join(SCRIPTS, name + '.py'))}
    return sorted(names)


@pytest.fixture(scope='module')
def flags_of(request, tmp_path_factory):
    """The flags of every script the selected cases name, all read in one process."""
    commands = [item.callspec.params['command'] for item in request.session.items
                if getattr(item, 'module', None) is sys.modules[__name__] and hasattr(item, 'callspec')]
    names = sorted(set(scripts_named(commands)) | SELF_TEST_SCRIPTS)
    return FlagTable(script_flags(names, str(tmp_path_factory.mktemp('flags'))))


class FlagTable(dict):
    """script name -> (its flags, its boolean flags); called as flags_of(name)."""

    def __call__(self, name):
        return self[name]

    def __repr__(self):
        return f'<flags of {len(self)} scripts>'


def test_the_docs_show_commands():
    """The extraction itself finds the README's two first commands and commands in docs/."""
    readme = [command for _, command in commands_of(os.path.join(ROOT, 'README.md'))]
    assert any(command.startswith('python scripts/train_mnist.py --epochs=100') for command in readme), readme[:5]
    assert len(COMMANDS) > 50, len(COMMANDS)
    assert any('docs' + os.sep in case.id or 'docs/' in case.id for case in COMMANDS)


@pytest.mark.slow
def test_a_misspelled_flag_is_caught(flags_of):
    assert problems('python scripts/sample.py --run_dir=DIR --num_sample=3', flags_of) == [
        'scripts/sample.py has no flag --num_sample']
    assert problems('python scripts/sample.py --run_dir=DIR --noverbose --num_samples=3', flags_of) == []
    assert problems('python scripts/sample.py --norun_dir=DIR', flags_of) == [
        'scripts/sample.py has no flag --norun_dir']
    assert problems('python scripts/sampel.py --seed=1', flags_of) == ['scripts/sampel.py does not exist']
    assert problems('scripts/train_NAME.py --anything', flags_of) == []
    assert problems('python scripts/launch_local_cluster.py --workers=2 -- python scripts/train_mnist.py --epoch=1',
                    flags_of) == ['scripts/train_mnist.py has no flag --epoch']


@pytest.mark.slow
@pytest.mark.parametrize('command', COMMANDS)
def test_doc_command_parses(command, flags_of):
    errors = problems(command, flags_of)
    assert not errors, f'{command}: ' + '; '.join(errors)
