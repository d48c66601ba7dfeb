"""Byte-level BPE: trains merges on the corpus, encodes text, and writes a Hugging Face tokenizer.json."""
import collections
import heapq
import json

import regex

# GPT-2's pre-tokenizer pattern, the one Hugging Face's ByteLevel pre-tokenizer applies (use_regex: true)
PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
SPECIALS = ["<|endoftext|>", "<|bos|>", "<|im_start|>", "<|im_end|>"]
EOS, BOS, IM_START, IM_END = SPECIALS


def bytes_to_unicode():
    """GPT-2's reversible map from the 256 byte values to printable characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHARS = bytes_to_unicode()


def to_symbols(word):
    return "".join(BYTE_CHARS[b] for b in word.encode("utf-8"))


def train(texts, vocab_size):
    """Classic BPE with incremental pair counts; returns (vocab: token->id, merges: [(a, b)])."""
    counts = collections.Counter()
    for text in texts:
        counts.update(PATTERN.findall(text))
    words = [list(to_symbols(w)) for w in counts]
    freqs = list(counts.values())
    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    for ch in sorted(BYTE_CHARS.values(), key=lambda c: ord(c)):
        vocab[ch] = len(vocab)

    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for i, (w, f) in enumerate(zip(words, freqs)):
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += f
            where[(a, b)].add(i)

    heap = [(-c, p) for p, c in pairs.items()]
    heapq.heapify(heap)
    merges = []
    while len(vocab) < vocab_size and heap:
        neg, best = heapq.heappop(heap)
        if pairs.get(best, 0) != -neg:
            continue  # stale entry: the count changed since it was pushed
        if -neg < 2:
            break
        a, b = best
        merged = a + b
        merges.append(best)
        vocab[merged] = len(vocab)
        touched = set()
        for i in list(where[best]):
            w, f = words[i], freqs[i]
            for x, y in zip(w, w[1:]):
                pairs[(x, y)] -= f
                touched.add((x, y))
            out, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    out.append(merged)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for x, y in zip(out, out[1:]):
                pairs[(x, y)] += f
                where[(x, y)].add(i)
                touched.add((x, y))
        del where[best]
        pairs.pop(best, None)
        for p in touched:
            c = pairs.get(p, 0)
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                pairs.pop(p, None)
    return vocab, merges


class Encoder:
    """Applies merges by rank, exactly as a BPE model does; memoised per pre-token."""

    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.cache = {}
        self.special = regex.compile("(" + "|".join(regex.escape(s) for s in SPECIALS) + ")")

    def word(self, w):
        ids = self.cache.get(w)
        if ids is not None:
            return ids
        parts = list(to_symbols(w))
        while len(parts) > 1:
            ranked = [(self.ranks.get((x, y), 1 << 30), k) for k, (x, y) in enumerate(zip(parts, parts[1:]))]
            rank, k = min(ranked)
            if rank == 1 << 30:
                break
            parts[k : k + 2] = [parts[k] + parts[k + 1]]
        ids = [self.vocab[p] for p in parts]
        if len(self.cache) < 2_000_000:
            self.cache[w] = ids
        return ids

    def encode(self, text, add_bos=True):
        ids = [self.vocab[BOS]] if add_bos else []
        for chunk in self.special.split(text):
            if chunk in self.vocab and chunk in SPECIALS:
                ids.append(self.vocab[chunk])
            elif chunk:
                for w in PATTERN.findall(chunk):
                    ids.extend(self.word(w))
        return ids


def tokenizer_json(vocab, merges):
    bos_id = vocab[BOS]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for s in SPECIALS
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
            ],
            "special_tokens": {BOS: {"id": BOS, "ids": [bos_id], "tokens": [BOS]}},
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges],
        },
    }


def load(path):
    with open(path) as f:
        tj = json.load(f)
    vocab = tj["model"]["vocab"]
    merges = [tuple(m.split(" ")) for m in tj["model"]["merges"]]
    return Encoder(vocab, merges)
