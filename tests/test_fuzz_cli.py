"""Fuzzing the `crce` command with hostile input: bad option values, bad `--set` values and bad input files.

Every case must end the way a user error ends: exit code 2, exactly one line on stderr, no traceback, and nothing new in
the output folder (no weights, no lock file, no temporary file, not even an empty folder the command made). The command runs
in process (`crce.cli.main`), so a case costs milliseconds and no model is ever loaded: every input here must be refused
before that. One test starts a second process to hold a run folder's lock.
"""
import contextlib, io, json, math, os, socket, subprocess, sys, tempfile, time
from pathlib import Path
import pytest

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import given, settings, strategies as st, HealthCheck

from crce.cli import main

ROOT = Path(__file__).resolve().parents[1]
FUZZ = settings(max_examples=int(os.environ.get('CRCE_FUZZ_EXAMPLES', '40')), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def files(d: Path) -> list[str]:
    "Every path under `d` (files and folders), relative."
    return sorted(str(p.relative_to(d)) for p in d.rglob('*'))


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = main([str(a) for a in argv])
        except SystemExit as e: code = e.code
    return code, out.getvalue(), err.getvalue()


def assert_refused(argv: list[str], root: Path, inputs: tuple = ()):
    "Run `argv` with `--out` under `root`; it must be refused as a user error and leave `root` as it was."
    before = files(root)
    code, out, err = run_cli(argv)
    assert code == 2, (argv, code, err)
    assert err.count('\n') == 1 and err.endswith('\n'), (argv, err)
    assert 'Traceback' not in err and err.startswith('crce'), (argv, err)
    assert files(root) == before, (argv, set(files(root)) ^ set(before))
    return err


# ---------------------------------------------------------------- option values
POSITIVE_INT = {'evaluate': ['--steps', '--batch-size', '-K', '--resolution'], 'erase': ['--resolution'], 'demo': ['--images', '--resolution'],
                'generate': ['--workers', '--max-tokens', '--max-chars']}
NONNEG_INT = {'erase': ['--iterations', '--M', '--N', '--checkpoint-every', '--seed'], 'evaluate': ['--seed'], 'reproduce': ['--iterations', '-K'],
              'generate': ['--n-train', '--max-reasks', '--max-retries', '--max-topups', '--topup-spare', '--seed']}
POSITIVE_FLOAT = {'erase': ['--lr'], 'reproduce': ['--lr'], 'generate': ['--timeout']}
NONNEG_FLOAT = {'evaluate': ['--guidance'], 'reproduce': ['--guidance'], 'generate': ['--temperature', '--topup-temperature']}
FINITE_FLOAT = {'erase': ['--eta', '--alpha', '--beta']}

NOT_A_NUMBER = st.sampled_from(['abc', '', ' ', '1,2', '0x10', '1e', '--', 'true', 'None', '9' * 5000])
NON_FINITE = st.sampled_from(['nan', 'NaN', 'inf', '-inf', 'Infinity', '1e999', '-1e999'])
NOT_AN_INT = st.one_of(NOT_A_NUMBER, NON_FINITE, st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)).map(repr))


def base(cmd: str, conc: Path, out: Path) -> list[str]:
    "A command line that would run (and load a model, or ask an LLM) if its options were all valid."
    return {'evaluate': ['evaluate', '--model', 'tiny', '--out', out],
            'erase': ['erase', '--model', 'tiny', '--concepts', 'dog', '--out', out],
            'reproduce': ['reproduce', 'table1', '--model', 'tiny', '--out', out],
            'demo': ['demo', '--out', out],
            'generate': ['generate', '--concepts', conc, '--base-url', 'http://127.0.0.1:9/v1', '--out', out / 'lists.json']}[cmd]


def bad_option_values():
    "(command, option, bad value) triples."
    def pairs(table): return [(c, o) for c, os_ in table.items() for o in os_]
    ints = st.one_of(st.sampled_from(pairs(POSITIVE_INT)).flatmap(lambda p: st.tuples(st.just(p[0]), st.just(p[1]), st.one_of(NOT_AN_INT, st.integers(max_value=0).map(str)))),
                     st.sampled_from(pairs(NONNEG_INT)).flatmap(lambda p: st.tuples(st.just(p[0]), st.just(p[1]), st.one_of(NOT_AN_INT, st.integers(max_value=-1).map(str)))))
    floats = st.one_of(st.sampled_from(pairs(POSITIVE_FLOAT)).flatmap(lambda p: st.tuples(st.just(p[0]), st.just(p[1]),
                                                                                          st.one_of(NOT_A_NUMBER, NON_FINITE, st.floats(max_value=0).map(repr)))),
                       st.sampled_from(pairs(NONNEG_FLOAT)).flatmap(lambda p: st.tuples(st.just(p[0]), st.just(p[1]),
                                                                                         st.one_of(NOT_A_NUMBER, NON_FINITE, st.floats(max_value=-1e-9).map(repr)))),
                       st.sampled_from(pairs(FINITE_FLOAT)).flatmap(lambda p: st.tuples(st.just(p[0]), st.just(p[1]), st.one_of(NOT_A_NUMBER, NON_FINITE))))
    return st.one_of(ints, floats)


@pytest.fixture(scope='module')
def root():
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d / 'concepts.json').write_text(json.dumps({'object': ['dog', 'cat']}))
        yield d


@FUZZ
@given(case=bad_option_values())
def test_bad_option_values(root, case):
    cmd, opt, value = case
    argv = base(cmd, root / 'concepts.json', root / 'out' / 'run') + [f'{opt}={value}']   # '=': a value may start with '-'
    assert_refused(argv, root)


@FUZZ
@given(cmd=st.sampled_from(['evaluate', 'erase', 'reproduce']),
       device=st.one_of(st.sampled_from(['foo', 'cuda:abc', 'cuda:-1', 'xla', 'meta', 'cpu:x', '', 'gpu', 'cuda:99']),
                        st.text(max_size=20).map(lambda s: '!' + s)))
def test_bad_device(root, cmd, device):
    assert_refused(base(cmd, root / 'concepts.json', root / 'out' / 'run') + [f'--device={device}'], root)


@FUZZ
@given(model=st.one_of(st.sampled_from(['tiny:abc', 'tiny:', 'tiny:1.5', 'tiny:' + '9' * 5000, '', '   ']), st.text(max_size=10).map(lambda s: 'tiny:x' + s)))
def test_bad_model(root, model):
    assert_refused(['erase', '--model', model, '--concepts', 'dog', '--out', root / 'out' / 'run'], root)


INT_SETTINGS = ['iterations', 'M', 'N', 'ddim_steps', 'checkpoint_every', 'ap_K', 'ca_batch']
FLOAT_SETTINGS = ['lr', 'xt_guidance', 'certainty_noise', 'sphere_r_max']   # settings with a lowest value
ANY_FLOAT_SETTINGS = ['eta', 'alpha', 'beta']
BOOL_SETTINGS = ['batched', 'uce_expand', 'ca_detach_sot']


def bad_settings():
    return st.one_of(
        st.tuples(st.sampled_from(INT_SETTINGS), st.one_of(NOT_AN_INT, st.integers(max_value=-1).map(str))),
        st.tuples(st.sampled_from(FLOAT_SETTINGS), st.one_of(NOT_A_NUMBER, NON_FINITE, st.floats(max_value=-1e-9).map(repr))),
        st.tuples(st.sampled_from(ANY_FLOAT_SETTINGS), st.one_of(NOT_A_NUMBER, NON_FINITE)),
        st.tuples(st.sampled_from(BOOL_SETTINGS), st.sampled_from(['maybe', '2', 'yess', '', 'nan', 'TRUE!'])),
        st.tuples(st.just('step_range'), st.sampled_from(['5', '1', '1,2,3', 'a,b', '0,5', '9,2', '1.5,4', ',', '1,' + '9' * 5000])),
        st.tuples(st.text(min_size=1, max_size=12).filter(lambda k: '=' not in k and k.strip() and k.strip() not in _FIELDS), st.just('1')))


from crce.train import EraseConfig
import dataclasses
_FIELDS = {f.name for f in dataclasses.fields(EraseConfig)}


@FUZZ
@given(cmd=st.sampled_from(['erase', 'reproduce']), kv=bad_settings())
def test_bad_set_values(root, cmd, kv):
    key, value = kv
    assert_refused(base(cmd, root / 'concepts.json', root / 'out' / 'run') + ['--set', f'{key}={value}'], root)


# ---------------------------------------------------------------- bad input files
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=12)
RELEASE_LIKE = st.fixed_dictionaries({
    'concept': st.one_of(st.just('dog'), st.just(''), st.text(max_size=6), st.integers(), st.lists(st.just('dog'))),
    'type': st.one_of(st.sampled_from(['animal', 'Object', '']), st.lists(st.just('object')), st.none(), st.integers()),   # never a valid type: every entry is refused
    **{k: st.one_of(st.lists(st.one_of(st.text(max_size=6), st.integers(), st.just('lone \ud800'), st.just('a\u202eb')), max_size=3), st.text(max_size=4))
       for k in ('train-coref', 'test-coref', 'train-retain', 'test-retain')},
    **{f'{k}-certainty': st.lists(st.sampled_from(['High', 'Low', 'Medium', '', 'very high']), max_size=3)
       for k in ('train-coref', 'test-coref', 'train-retain', 'test-retain')}})


def bad_file_contents():
    return st.one_of(
        st.binary(max_size=64),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.lists(RELEASE_LIKE, min_size=1, max_size=3).map(lambda es: json.dumps({'object': es}).encode('utf-8', 'surrogatepass')),
        st.sampled_from([b'[' * 100_000 + b']' * 100_000, b'{"object": ' + b'9' * 5000 + b'}', b'', b'\xff\xfe{}', b'{"format": "crce-corefconcept", "version": 1, "concepts": [{}]}',
                         json.dumps({'object': [{'concept': 'dog', 'type': ['object']}]}).encode(),
                         json.dumps({'object': [{'concept': 'dog'}, {'concept': 'dog'}]}).encode()]))


@FUZZ
@given(content=bad_file_contents(), how=st.sampled_from(['show', 'erase', 'validate', 'generate']))
def test_bad_input_files(root, content, how):
    f = root / 'in' / 'data.json'
    f.parent.mkdir(exist_ok=True); f.write_bytes(content)
    out = root / 'out' / 'run'
    argv = {'show': ['data', 'show', 'dog', '--path', f],
            'erase': ['erase', '--model', 'tiny', '--concepts', 'dog', '--dataset', f, '--out', out],
            'validate': ['data', 'validate', '--strict', f],
            'generate': ['generate', '--concepts', f, '--base-url', 'http://127.0.0.1:9/v1', '--n-train', '99', '--out', out / 'lists.json']}[how]
    if how == 'validate':   # a file with defects exits 1 with the defects on stdout; an unreadable one exits 2 with one line
        before = files(root)
        code, so, err = run_cli(argv)
        assert code in (0, 1, 2) and 'Traceback' not in err and files(root) == before, (code, err)
        assert (code == 2) == (err.count('\n') == 1) and (code != 2) == (err == ''), (code, err)
        return
    assert_refused(argv, root)


def test_fifo_is_refused_without_blocking(root):
    fifo = root / 'pipe.json'
    if not fifo.exists(): os.mkfifo(fifo)
    t = time.time()
    for argv in (['data', 'validate', '--strict', fifo], ['data', 'show', 'dog', '--path', fifo]):
        assert 'not a regular file' in assert_refused(argv, root)
    assert time.time() - t < 30


# ---------------------------------------------------------------- output folders and locks
def test_bad_output_paths(root):
    (root / 'afile').write_text('x')
    for out, msg in ((root / 'afile', 'is not a folder'), (root / 'afile' / 'run', 'cannot create the folder')):
        for argv in (['erase', '--model', 'tiny', '--concepts', 'dog', '--out', out], ['evaluate', '--model', 'tiny', '--out', out],
                     ['reproduce', 'table1', '--model', 'tiny', '--out', out], ['demo', '--out', out]):
            assert msg in assert_refused(argv, root)
    assert 'is a directory' in assert_refused(['generate', '--concepts', root / 'concepts.json', '--out', root], root)


def test_second_process_is_refused(root):
    "A live process holding a run folder's lock: `crce erase` into that folder is refused at once and leaves the folder alone."
    run = root / 'busy'
    holder = subprocess.Popen([sys.executable, '-c', 'import sys, time\nfrom crce.core import run_lock\n'
                               'with run_lock(sys.argv[1], "erase"):\n    print("held", flush=True); time.sleep(600)', str(run)],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')])})
    try:
        assert holder.stdout.readline().strip() == 'held'
        err = assert_refused(['erase', '--model', 'tiny', '--concepts', 'dog', '--iterations', '1', '--out', run], root)
        assert f'in use by another crce erase (pid {holder.pid} on {socket.gethostname()}' in err
    finally:
        holder.kill(); holder.wait()
    # the holder was killed: its lock is stale, and the next holder takes the folder over
    from crce.core import run_lock
    with run_lock(run) as lock: assert json.loads(lock.read_text())['pid'] == os.getpid()
    assert files(run) == []
