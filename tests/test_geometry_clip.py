"""crce.geometry's CLIP code path with CLIP's real BPE tokenizer and a tiny random CLIPTextModel.

CLIP's 49408-token vocabulary is rebuilt from the BPE merges file that `open_clip_torch` ships
(`pip install --no-deps open_clip_torch`); the test is skipped when that package is not installed.
"""
import gzip, importlib.util
from pathlib import Path
import pytest, torch

from crce.core import CrceError
from crce.geometry import clip_text_encoder, geometry_table, VECTORS

def _bpe_path() -> Path:
    spec = importlib.util.find_spec('open_clip')
    if spec is None or not spec.submodule_search_locations: pytest.skip('open_clip_torch is not installed')
    p = Path(list(spec.submodule_search_locations)[0]) / 'bpe_simple_vocab_16e6.txt.gz'
    if not p.is_file(): pytest.skip(f'{p} not found')
    return p

def _bytes_to_unicode():
    bs = list(range(ord('!'), ord('~')+1)) + list(range(ord('¡'), ord('¬')+1)) + list(range(ord('®'), ord('ÿ')+1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs: bs.append(b); cs.append(256 + n); n += 1
    return [chr(c) for c in cs]

def _clip_vocab(bpe: Path):
    "CLIP's vocabulary and merges, built from the BPE file the way CLIP's own SimpleTokenizer builds them."
    merges = gzip.open(bpe).read().decode('utf-8').split('\n')[1:49152-256-2+1]
    merges = [tuple(m.split()) for m in merges]
    syms = _bytes_to_unicode()
    vocab = syms + [s + '</w>' for s in syms] + [''.join(m) for m in merges] + ['<|startoftext|>', '<|endoftext|>']
    return {v: i for i, v in enumerate(vocab)}, merges

@pytest.fixture(scope='module')
def clip_dirs(tmp_path_factory):
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer
    vocab, merges = _clip_vocab(_bpe_path())
    tok = CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)
    torch.manual_seed(0)
    cfg = CLIPTextConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         max_position_embeddings=77, bos_token_id=49406, eos_token_id=49407, pad_token_id=49407)
    model = CLIPTextModel(cfg)
    sd = tmp_path_factory.mktemp('sd')           # Stable Diffusion layout: tokenizer/ and text_encoder/
    tok.save_pretrained(sd/'tokenizer'); model.save_pretrained(sd/'text_encoder')
    flat = tmp_path_factory.mktemp('openai')     # openai/clip-vit-large-patch14 layout: everything at the top
    tok.save_pretrained(flat); model.save_pretrained(flat)
    return sd, flat

def test_tokenizer_matches_open_clip(clip_dirs):
    # load open_clip's tokenizer module by file: the package's __init__ imports torchvision, which has no CPU build here
    spec = importlib.util.spec_from_file_location('_open_clip_tokenizer', _bpe_path().parent / 'tokenizer.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    SimpleTokenizer = mod.SimpleTokenizer
    enc = clip_text_encoder(str(clip_dirs[0]), local_files_only=True)
    ref = SimpleTokenizer(str(_bpe_path()))
    for text in ['a photo of a dog', 'Service dog', 'Dwayne The Rock Johnson', "Winnie-the-Pooh's honey pot"]:
        ids = enc.tokenize([text]).input_ids[0].tolist()
        want = [49406] + ref.encode(text) + [49407]
        assert ids[:len(want)] == want, text
        assert set(ids[len(want):]) == {49407}   # padded to 77 with end-of-text, as SD's tokenizer does
        assert len(ids) == 77

def test_both_layouts_load_the_same_model(clip_dirs):
    sd, flat = clip_dirs
    a = clip_text_encoder(str(sd), local_files_only=True)
    b = clip_text_encoder(str(flat), local_files_only=True)
    for v in VECTORS:
        torch.testing.assert_close(a.encode(['dog', 'guide dog'], v), b.encode(['dog', 'guide dog'], v))

def test_pooled_is_end_of_text_state(clip_dirs):
    enc = clip_text_encoder(str(clip_dirs[0]), local_files_only=True)
    h, m, p = enc.states(['a photo of a dog', 'cat'])
    eot = (enc.tokenize(['a photo of a dog', 'cat']).input_ids == 49407).int().argmax(1)
    torch.testing.assert_close(p, h[torch.arange(2), eot])
    assert enc.encode(['cat'], 'sequence').shape == (1, 77 * 32)

def test_table_and_errors(clip_dirs):
    enc = clip_text_encoder(str(clip_dirs[0]), local_files_only=True)
    df = geometry_table('dog', ['puppy', 'guide dog'], ['cat'], enc, 'pooled')
    assert df.attrs['encoder'] == 'clip-vit-l14' and list(df.group) == ['coref', 'coref', 'retain']
    with pytest.raises(CrceError, match='retains is empty'): geometry_table('dog', ['puppy'], [], enc)
    with pytest.raises(CrceError, match='cannot load the CLIP text encoder'):
        clip_text_encoder(str(clip_dirs[0] / 'missing'), local_files_only=True)
