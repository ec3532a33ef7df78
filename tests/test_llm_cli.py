"""`crce generate` end to end against a scripted OpenAI-compatible HTTP server on loopback (no LLM needed):
success, reported failures, bad input, the API key kept secret, and a batch killed half way that resumes from its cache."""
import json, os, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import pytest

from crce.data import CorefConcept, LEVELS

SECRET = 'sk-test-NEVER-WRITE-ME-42'

def answer(target, dup=False):
    "A well-formed answer (one sense, 15 + 15 items) for `target`; `dup` repeats the first coref."
    lst = lambda role: [{'text': f'{target} {role} {i}', 'certainty': LEVELS[min(i // 3, 4)]} for i in range(15)]
    c = lst('coref')
    if dup: c[1]['text'] = c[0]['text']
    return json.dumps({'senses': [{'sense': '', 'corefs': c, 'retains': lst('retain')}]})

class FakeOpenAI:
    "A loopback HTTP server speaking enough of /v1/chat/completions; `policy(target, body)` returns content or an int status."
    def __init__(self, policy):
        self.policy, self.requests, self.lock = policy, [], threading.Lock()
        outer = self
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
                target = body['messages'][1]['content'].split('Target concept: ')[-1]
                with outer.lock: outer.requests.append({'target': target, 'auth': self.headers.get('Authorization'), 'body': body})
                out = outer.policy(target, body)
                if isinstance(out, int):
                    data = json.dumps({'error': {'message': f'status {out}'}}).encode(); self.send_response(out)
                else:
                    data = json.dumps({'id': 'x', 'object': 'chat.completion', 'created': 0, 'model': body['model'],
                                       'choices': [{'index': 0, 'finish_reason': 'stop',
                                                    'message': {'role': 'assistant', 'content': out}}]}).encode()
                    self.send_response(200)
                self.send_header('Content-Type', 'application/json'); self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                try: self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError): pass
        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.httpd.daemon_threads = True
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/v1'
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
    def targets(self): return [r['target'] for r in self.requests]
    def close(self): self.httpd.shutdown(); self.httpd.server_close()

@pytest.fixture
def server():
    made = []
    def make(policy):
        s = FakeOpenAI(policy); made.append(s); return s
    yield make
    for s in made: s.close()

# The full `crce` command imports every module (torch, diffusers: slow on a busy machine); it is used once, the
# other runs register only crce.llm's commands into the same `crce.cli.main`.
CMD_FULL = [sys.executable, '-c', 'import sys; from crce.cli import main; sys.exit(main())']
CMD = [sys.executable, '-c', "import sys, crce.cli as c; c.build_parser.__defaults__ = (('crce.llm',),); sys.exit(c.main())"]

def env_with_key():
    return {**os.environ, 'OPENAI_API_KEY': SECRET}

def crce(*args, full=False, **kw):
    return subprocess.run((CMD_FULL if full else CMD) + list(args), capture_output=True, text=True, timeout=120, env=env_with_key(), **kw)

def concepts_file(d: Path):
    p = d / 'concepts.json'
    p.write_text(json.dumps({'object': ['dog', 'cat'], 'ip': ['Batman']}))
    return p

def all_text(d: Path) -> str:
    return '\n'.join(f.read_text(errors='replace') for f in d.rglob('*') if f.is_file())

def test_generate_ok_and_key_secret(tmp_path, server):
    srv = server(lambda t, body: answer(t))
    out = tmp_path / 'gen.json'
    r = crce('generate', '--concepts', str(concepts_file(tmp_path)), '--out', str(out), '--base-url', srv.url,
             '--llm', 'fake-model', '--quiet', full=True)
    assert r.returncode == 0, r.stderr
    ds = CorefConcept.load(out)
    assert ds.keys() == ['dog', 'cat', 'Batman']
    assert [len(ds['cat'].corefs(s)) for s in ('train', 'test')] == [10, 5]
    assert ds.provenance['models'] == ['fake-model'] and ds.provenance['prompt_version']
    assert srv.requests[0]['auth'] == f'Bearer {SECRET}'                 # the key was used ...
    assert SECRET not in all_text(tmp_path) + r.stdout + r.stderr        # ... and written nowhere
    assert len(list((tmp_path / 'gen.json.cache').glob('*.json'))) == 3
    n = len(srv.requests)
    r = subprocess.run(CMD + ['generate', '--concepts', str(concepts_file(tmp_path)), '--out', str(out), '--base-url', srv.url,
                              '--llm', 'fake-model', '--quiet', '--api-key-env', 'MY_LLM_KEY'], capture_output=True, text=True,
                       timeout=120, env={**{k: v for k, v in os.environ.items() if k != 'OPENAI_API_KEY'}, 'MY_LLM_KEY': SECRET})
    assert r.returncode == 0 and len(srv.requests) == n                  # the re-run is free
    assert '3 from cache' in r.stdout

def test_generate_reports_failures(tmp_path, server):
    srv = server(lambda t, body: answer(t, dup=(t == 'cat')))
    out = tmp_path / 'gen.json'
    r = crce('generate', '--concepts', str(concepts_file(tmp_path)), '--out', str(out), '--base-url', srv.url,
             '--llm', 'm', '--max-reasks', '1', '--max-topups', '0', '--quiet')
    assert r.returncode == 1
    assert 'FAILED cat' in r.stderr and 'repeats item 0' in r.stderr
    ds = CorefConcept.load(out)
    assert ds.keys() == ['dog', 'Batman']                                # the failing concept is not kept ...
    assert [f['key'] for f in ds.provenance['failures']] == ['cat']      # ... but reported
    assert srv.targets().count('cat') == 2                               # asked once, re-asked once

def test_generate_tops_up_by_default(tmp_path, server):
    "Without --max-topups the command tops up a failing sense; --topup-spare and --topup-temperature reach the requests."
    def policy(t, body):
        schema = body['response_format']['json_schema']['schema']
        if 'senses' in schema['properties']: return answer(t, dup=(t == 'cat'))
        n = {role: schema['properties'][role]['minItems'] for role in schema['properties']}   # a top-up: exactly what is asked
        return json.dumps({role: [{'text': f'{t} new {role} {i}', 'certainty': 'Low'} for i in range(k)] for role, k in n.items()})
    srv = server(policy)
    out = tmp_path / 'gen.json'
    r = crce('generate', '--concepts', str(concepts_file(tmp_path)), '--out', str(out), '--base-url', srv.url, '--llm', 'm',
             '--max-reasks', '1', '--temperature', '0.5', '--topup-spare', '2', '--topup-temperature', '1.2', '--quiet')
    assert r.returncode == 0, r.stderr
    ds = CorefConcept.load(out)
    assert ds.keys() == ['dog', 'cat', 'Batman']
    cat = [q['body'] for q in srv.requests if q['target'] == 'cat']
    assert len(cat) == 3 and [b['temperature'] for b in cat] == [0.5, 0.5, 1.2]     # asked, re-asked, one top-up round
    assert cat[2]['response_format']['json_schema']['schema']['properties']['corefs']['minItems'] == 1 + 2   # one missing + 2 spares
    assert 'retains' not in cat[2]['response_format']['json_schema']['schema']['properties']
    texts = [x.text for x in ds['cat'].corefs('train') + ds['cat'].corefs('test')]
    assert 'cat new corefs 0' in texts and 'cat new corefs 1' not in texts           # the spares are dropped as surplus
    topups = ds.provenance['generations']['cat']['topups']
    assert [(t['key'], t['rounds'], t['ok']) for t in topups] == [('cat', 1, True)]

def test_generate_server_down_and_bad_input(tmp_path, server):
    srv = server(lambda t, body: 503 if t == 'dog' else answer(t))
    out = tmp_path / 'gen.json'
    r = crce('generate', '--concepts', str(concepts_file(tmp_path)), '--out', str(out), '--base-url', srv.url,
             '--llm', 'm', '--max-retries', '1', '--quiet')
    assert r.returncode == 1 and 'FAILED dog' in r.stderr and 'InternalServerError' in r.stderr
    assert CorefConcept.load(out).keys() == ['cat', 'Batman']
    bad = tmp_path / 'bad.json'; bad.write_text(json.dumps([{'target': 'dog', 'category': 'animal'}]))
    r = crce('generate', '--concepts', str(bad), '--out', str(tmp_path / 'x.json'), '--base-url', srv.url)
    assert r.returncode == 2 and "unknown category 'animal'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / 'x.json').exists()
    r = crce('generate', '--concepts', str(concepts_file(tmp_path)), '--out', str(tmp_path / 'x.json'), '--api-key-env', 'CRCE_NO_SUCH_VAR')
    assert r.returncode == 2 and 'CRCE_NO_SUCH_VAR' in r.stderr and not (tmp_path / 'x.json').exists()

def test_killed_batch_resumes_from_cache(tmp_path, server):
    "Kill `crce generate` while its second concept is in flight; the next run asks only for the two not yet cached."
    release = threading.Event()
    def policy(t, body):
        if t == 'cat': release.wait(60)     # the second concept hangs until the process is killed
        return answer(t)
    srv = server(policy)
    out, cache = tmp_path / 'gen.json', tmp_path / 'gen.json.cache'
    args = ['generate', '--concepts', str(concepts_file(tmp_path)), '--out', str(out), '--base-url', srv.url,
            '--llm', 'm', '--workers', '1', '--quiet']
    proc = subprocess.Popen(CMD + args, env=env_with_key(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.time()
    while 'cat' not in srv.targets():
        assert time.time() - t0 < 60 and proc.poll() is None, 'the batch never reached the second concept'
        time.sleep(0.05)
    proc.kill(); proc.wait(); release.set()
    assert [p.name.split('-')[0] for p in cache.glob('*.json')] == ['dog'] and not out.exists()
    before = len(srv.requests)
    srv.policy = lambda t, body: answer(t)
    r = crce(*args)
    assert r.returncode == 0, r.stderr
    assert srv.targets()[before:] == ['cat', 'Batman']                    # only the remaining calls
    assert '1 from cache, 2 generated' in r.stdout
    assert CorefConcept.load(out).keys() == ['dog', 'cat', 'Batman']
