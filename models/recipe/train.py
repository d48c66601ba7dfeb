"""Training: time-budgeted, resumable next-token training of the shipped model on the prepared ids."""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from model import Decoder

HERE = Path(__file__).resolve().parent

# glassbox-tiny: sized for ~90-120 minutes on two CPU cores (see README.md for the arithmetic)
TINY = {
    "layout": "llama", "vocab": 6144, "d": 192, "layers": 6, "heads": 4, "kv_heads": 4, "head_dim": 48,
    "ffn": 512, "ctx": 512, "eps": 1e-5, "rope_theta": 10000.0,
}


def lr_at(progress, peak, warmup):
    """Linear warm-up over `warmup` of the budget, then cosine decay to 10% of peak at progress 1."""
    if progress < warmup:
        return peak * progress / warmup
    p = min(1.0, (progress - warmup) / (1 - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def batches(ids, batch, ctx, rng):
    while True:
        starts = rng.integers(0, ids.size - ctx - 1, size=batch)
        x = np.stack([ids[s : s + ctx + 1] for s in starts]).astype(np.int64)
        yield torch.from_numpy(x[:, :-1]), torch.from_numpy(x[:, 1:])


def save(path, state):
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", default=str(HERE / "work"))
    ap.add_argument("--minutes", type=float, default=100.0, help="wall-clock budget the schedule is laid over")
    ap.add_argument("--extend-minutes", type=float, default=0.0, help="on resume, add this much to the budget")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (a lent GPU)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (for quick checks)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    work = Path(args.work)
    ckpt_path = work / "ckpt.pt"
    ids = np.fromfile(work / "train.bin", dtype=np.uint16)
    bytes_per_token = json.loads((work / "prepare.json").read_text())["train"]["bytes_per_token"]

    cfg = dict(TINY)
    model = Decoder(cfg).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    state = {"step": 0, "elapsed": 0.0, "budget": args.minutes * 60, "tokens": 0, "seed": 0}
    if ckpt_path.exists():
        saved = torch.load(ckpt_path, map_location=args.device)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        state = saved["state"]
        state["budget"] += args.extend_minutes * 60
        print(f"resumed at step {state['step']}, {state['elapsed'] / 60:.1f} of {state['budget'] / 60:.1f} min",
              file=sys.stderr)
    n_params = sum(p.numel() for p in model.parameters())
    rng = np.random.default_rng(state["seed"] + state["step"])
    data = batches(ids, args.batch, cfg["ctx"], rng)
    log = open(work / "train.log", "a")
    if state["step"] == 0:
        log.write(json.dumps({"event": "start", "config": cfg, "params": n_params, "args": vars(args),
                              "train_tokens": int(ids.size), "torch": torch.__version__}) + "\n")
    last_save, window_t, window_tok, window_loss = time.time(), time.time(), 0, []
    while state["elapsed"] < state["budget"]:
        if args.max_steps and state["step"] >= args.max_steps:
            break
        t0 = time.time()
        lr = lr_at(state["elapsed"] / state["budget"], args.lr, 0.03)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = next(data)
        x, y = x.to(args.device), y.to(args.device)
        loss = F.cross_entropy(model(x).view(-1, cfg["vocab"]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state["step"] += 1
        state["tokens"] += x.numel()
        state["elapsed"] += time.time() - t0
        window_tok += x.numel()
        window_loss.append(loss.item())
        if state["step"] % 25 == 0:
            now = time.time()
            mean = sum(window_loss) / len(window_loss)
            row = {"step": state["step"], "tokens": state["tokens"], "minutes": round(state["elapsed"] / 60, 2),
                   "loss": round(mean, 4), "bits_per_byte": round(mean / math.log(2) / bytes_per_token, 4),
                   "lr": round(lr, 6), "tokens_per_s": round(window_tok / (now - window_t))}
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(row, file=sys.stderr, flush=True)
            window_t, window_tok, window_loss = now, 0, []
        if time.time() - last_save > 300:
            save(ckpt_path, {"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "config": cfg})
            last_save = time.time()
    save(ckpt_path, {"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "config": cfg})
    log.write(json.dumps({"event": "end", **state}) + "\n")
    print(f"done: {state['step']} steps, {state['tokens']} tokens, {state['elapsed'] / 60:.1f} min", file=sys.stderr)


if __name__ == "__main__":
    main()
