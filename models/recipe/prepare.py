"""Prepare: trains the byte-level BPE tokenizer on the corpus and encodes train/held-out splits to uint16 ids."""
import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

import bpe

HERE = Path(__file__).resolve().parent


def read_docs(path):
    with open(path) as f:
        for line in f:
            yield json.loads(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", default=str(HERE / "work"))
    ap.add_argument("--vocab", type=int, default=6144)
    ap.add_argument("--sample-bytes", type=int, default=24_000_000, help="corpus bytes the merges are learned from")
    args = ap.parse_args()
    work = Path(args.work)
    train_docs = list(read_docs(work / "corpus" / "train.jsonl"))
    rng = random.Random(0)
    sample, size = [], 0
    for d in rng.sample(train_docs, len(train_docs)):
        if size > args.sample_bytes:
            break
        sample.append(d["text"])
        size += len(d["text"])
    t0 = time.time()
    vocab, merges = bpe.train(sample, args.vocab)
    print(f"tokenizer: {len(vocab)} tokens, {len(merges)} merges in {time.time() - t0:.0f}s", file=sys.stderr)
    (work / "tokenizer.json").write_text(json.dumps(bpe.tokenizer_json(vocab, merges), ensure_ascii=False))

    enc = bpe.Encoder(vocab, merges)
    eos = vocab[bpe.EOS]
    stats = {}
    for split in ("train", "heldout"):
        docs = train_docs if split == "train" else list(read_docs(work / "corpus" / "heldout.jsonl"))
        rng.shuffle(docs)
        t0, chunks, n_bytes = time.time(), [], 0
        for d in docs:
            chunks.append(np.asarray(enc.encode(d["text"]) + [eos], dtype=np.uint16))
            n_bytes += len(d["text"].encode("utf-8"))
        ids = np.concatenate(chunks)
        ids.tofile(work / f"{split}.bin")
        stats[split] = {"tokens": int(ids.size), "bytes": n_bytes, "bytes_per_token": n_bytes / ids.size}
        print(f"{split}: {ids.size} tokens, {n_bytes / ids.size:.2f} bytes/token, {time.time() - t0:.0f}s", file=sys.stderr)
    (work / "prepare.json").write_text(json.dumps({"vocab": len(vocab), **stats}, indent=1))


if __name__ == "__main__":
    main()
