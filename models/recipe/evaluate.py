"""Evaluation: held-out bits per byte of the exported-from checkpoint, next to xz -9 on the same files."""
import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import bpe
from model import Decoder

HERE = Path(__file__).resolve().parent


def file_bits(model, ids, ctx, stride):
    """-log2 p of every token of one file (after BOS), sliding a ctx window by `stride` over long files."""
    total, scored = 0.0, 1  # ids[0] is BOS and is not scored
    while scored < len(ids):
        end = min(len(ids), scored + stride)
        start = max(0, end - ctx)
        window = torch.tensor([ids[start:end]])
        with torch.no_grad():
            logp = F.log_softmax(model(window)[0, :-1], dim=-1)
        targets = torch.tensor(ids[start + 1 : end])
        lp = logp.gather(1, targets[:, None])[:, 0]
        total -= float(lp[scored - start - 1 :].sum()) / math.log(2)
        scored = end
    return total


def xz_bytes(data):
    return len(subprocess.run(["xz", "-9", "-c"], input=data, capture_output=True, check=True).stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", default=str(HERE / "work"))
    ap.add_argument("--stride", type=int, default=256)
    args = ap.parse_args()
    torch.set_num_threads(2)
    work = Path(args.work)
    saved = torch.load(work / "ckpt.pt", map_location="cpu")
    model = Decoder(saved["config"])
    model.load_state_dict(saved["model"])
    model.eval()
    enc = bpe.load(work / "tokenizer.json")
    docs = [json.loads(line) for line in open(work / "corpus" / "heldout.jsonl")]
    t0, bits, n_bytes, n_tokens, xz_each, blobs = time.time(), 0.0, 0, 0, 0, []
    for d in docs:
        data = d["text"].encode("utf-8")
        ids = enc.encode(d["text"])
        bits += file_bits(model, ids, saved["config"]["ctx"], args.stride)
        n_bytes += len(data)
        n_tokens += len(ids) - 1
        xz_each += xz_bytes(data)
        blobs.append(data)
    result = {
        "files": len(docs), "bytes": n_bytes, "tokens": n_tokens,
        "model_bits_per_byte": bits / n_bytes,
        "xz9_per_file_bits_per_byte": 8 * xz_each / n_bytes,
        "xz9_concatenated_bits_per_byte": 8 * xz_bytes(b"".join(blobs)) / n_bytes,
        "packages": sorted({d["package"] for d in docs}),
        "train_steps": saved["state"]["step"], "train_tokens": saved["state"]["tokens"],
        "train_minutes": saved["state"]["elapsed"] / 60, "seconds": time.time() - t0,
    }
    (work / "eval.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "packages"}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
