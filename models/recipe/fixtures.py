"""Fixtures: tiny random models (seeded, seconds to make, < 2 MB) in the three layouts the engine must handle."""
import argparse
from pathlib import Path

import torch

from export import ROOT, export_folder
from model import Decoder

BASE = {"vocab": 6144, "d": 32, "layers": 2, "heads": 4, "kv_heads": 4, "head_dim": 8, "ffn": 64, "ctx": 512,
        "eps": 1e-5, "rope_theta": 10000.0}
LAYOUTS = {
    "llama-mha": {"layout": "llama"},
    "qwen2-gqa": {"layout": "qwen2", "kv_heads": 2, "head_dim": 12},  # head_dim * heads != d on purpose
    "gpt2": {"layout": "gpt2"},
    # attention inside ORT's fused GroupQueryAttention op (no Softmax in the graph), no position_ids input
    "llama-gqa-fused": {"layout": "llama", "kv_heads": 2, "head_dim": 16},  # ORT wants head_size % 16 == 0
}
FUSED = {"llama-gqa-fused"}


def make(name, seed):
    torch.manual_seed(seed)
    model = Decoder({**BASE, **LAYOUTS[name]})
    with torch.no_grad():
        # larger-than-training weights so that logits are far from uniform and argmax is never a near-tie
        for pname, p in model.named_parameters():
            if p.dim() >= 2:
                p.normal_(0, 0.3)
            elif pname.endswith("bias"):
                p.normal_(0, 0.2)
    return model.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tokenizer", default=str(ROOT / "models" / "glassbox-tiny" / "tokenizer.json"))
    ap.add_argument("--out", default=str(ROOT / "models" / "fixtures"))
    args = ap.parse_args()
    for seed, name in enumerate(LAYOUTS):
        export_folder(make(name, seed), Path(args.out) / name, args.tokenizer, name, fused_attention=name in FUSED)
        print(f"fixture {name} written")


if __name__ == "__main__":
    main()
