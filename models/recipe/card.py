"""Model card: writes models/glassbox-tiny/README.md from the recipe's real numbers (manifest, log, eval)."""
import argparse
import collections
import json
import platform
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", default=str(HERE / "work"))
    ap.add_argument("--out", default=str(ROOT / "models" / "glassbox-tiny"))
    ap.add_argument("--note", default="", help="a sentence about this run for the Training section (e.g. a resume)")
    args = ap.parse_args()
    work, out = Path(args.work), Path(args.out)
    manifest = json.loads((work / "manifest.json").read_text())
    prep = json.loads((work / "prepare.json").read_text())
    ev = json.loads((work / "eval.json").read_text())
    log = [json.loads(line) for line in open(work / "train.log")]
    start = next(r for r in log if r.get("event") == "start")
    steps = [r for r in log if "loss" in r]
    cfg, params = start["config"], start["params"]
    device = start["args"].get("device", "cpu")
    hardware = f"{start['args'].get('threads', 2)} threads of {cpu_name()}" if device == "cpu" else device

    shutil.copyfile(work / "train.log", out / "train.log")
    (out / "data-manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    licenses = collections.Counter()
    for p in manifest["packages"]:
        licenses[p["license"]] += p["bytes"]
    total = sum(licenses.values())
    lic_line = ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in licenses.most_common())
    s = manifest["summary"]
    speeds = sorted(r["tokens_per_s"] for r in steps if r.get("tokens_per_s"))
    median_speed = speeds[len(speeds) // 2] if speeds else 0
    speed_note = (
        f" Throughput was {median_speed:,} tokens/s at the median ({speeds[0]:,} to {speeds[-1]:,}): the two cores were"
        " shared with other work for part of the run, so the same recipe on idle cores sees more tokens in the same time."
        if speeds and speeds[-1] > 1.5 * speeds[0]
        else f" Throughput was {median_speed:,} tokens/s at the median."
    )
    every = max(1, len(steps) // 8)
    curve = [r for i, r in enumerate(steps) if i % every == 0 or i == len(steps) - 1]
    curve_rows = "\n".join(
        f"| {r['step']} | {r['tokens'] / 1e6:.2f}M | {r['minutes']:.0f} | {r['loss']:.3f} | {r['bits_per_byte']:.3f} |"
        for r in curve
    )
    card = f"""# glassbox-tiny

A {params / 1e6:.2f}M-parameter decoder-only language model for source code, trained from scratch by
[the recipe in models/recipe](../recipe/README.md) on two CPU cores. It ships inside Glassbox so that chat,
"explain selection" and every inspector view work offline on first run, and so every test has a real model.

**It is tiny.** It continues code plausibly for a line or two and has seen the chat format, but it does not
understand or explain code the way a real assistant does. For useful chat, point Glassbox at a real Hugging Face
ONNX causal LM folder (setting `glassbox.modelPath`).

## Architecture
Llama-style: RMSNorm (eps {cfg['eps']}), rotary positions (theta {cfg['rope_theta']:.0f}), SwiGLU MLP, tied input/output
embeddings, no biases. {cfg['layers']} layers, hidden size {cfg['d']}, {cfg['heads']} attention heads of size
{cfg['head_dim']} ({cfg['kv_heads']} KV heads), MLP size {cfg['ffn']}, context {cfg['ctx']} tokens,
vocabulary {cfg['vocab']} (byte-level BPE; special tokens `<|endoftext|>`, `<|bos|>`, `<|im_start|>`, `<|im_end|>`).
Parameters: {params:,} ({params - cfg['vocab'] * cfg['d']:,} outside the embedding).

Files, in the Transformers.js / Optimum layout: `onnx/model.onnx` (fp32, opset 17, inputs `input_ids`,
`attention_mask`, `position_ids`, `past_key_values.N.key|value`; outputs `logits`, `present.N.key|value`),
`config.json` (model_type `llama`), `generation_config.json`, `tokenizer.json`, `tokenizer_config.json` (ChatML
`chat_template`).

## Data
Permissively licensed source code only, from {s['packages']} packages installed by the recipe from npm and
Debian (CPython 3.11's standard library, `{'libpython3.11-stdlib'}`). Every package, version, license and byte
count is listed in [data-manifest.json](data-manifest.json); packages whose license is not MIT, Apache-2.0,
BSD, ISC, 0BSD, BlueOak or PSF were left out ({len(s['skipped_for_license'])} of them). Minified and generated
files were dropped, exact duplicates removed (whitespace-insensitive), and whole packages were held out for
evaluation (about 1 in 25, chosen by a hash of the name). {s['chat_examples']:,} chat-formatted examples were derived
from the training code itself (a function with a doc comment becomes a question "Explain this code" and the
comment its answer).

- Training text: {s['train_bytes'] / 1e6:.1f} MB in {s['train_files']:,} files, {prep['train']['tokens'] / 1e6:.1f}M tokens
  ({prep['train']['bytes_per_token']:.2f} bytes per token)
- Held-out text: {s['heldout_bytes'] / 1e6:.2f} MB in {s['heldout_files']} files from {len(ev['packages'])} packages
- Licenses by bytes: {lic_line}

## Training
{ev['train_steps']:,} steps of {start['args']['batch']} x {cfg['ctx']} tokens, {ev['train_tokens'] / 1e6:.1f}M tokens seen
(about {ev['train_tokens'] / prep['train']['tokens']:.2f} epochs), in {ev['train_minutes']:.0f} minutes on {hardware}
with PyTorch {start['torch']}. AdamW (betas 0.9/0.95, weight decay 0.1), peak learning rate {start['args']['lr']},
warm-up over the first 3% of the time budget then cosine decay to 10%, gradient clipping at 1.0.{speed_note}{(' ' + args.note) if args.note else ''}
The full log is [train.log](train.log).

| step | tokens | minutes | loss (nats/token) | train bits/byte |
|---:|---:|---:|---:|---:|
{curve_rows}

## Evaluation
Held-out bits per byte: each held-out file scored on its own from `<|bos|>`, with a sliding window of
{cfg['ctx']} tokens (stride 256) over long files; compared with `xz -9` on exactly the same files.

| | bits per byte |
|---|---:|
| glassbox-tiny | **{ev['model_bits_per_byte']:.3f}** |
| `xz -9`, each file compressed on its own | {ev['xz9_per_file_bits_per_byte']:.3f} |
| `xz -9`, all held-out files concatenated into one stream | {ev['xz9_concatenated_bits_per_byte']:.3f} |

The per-file comparison is the like-for-like one (the model also sees each file alone). Concatenation lets xz
reuse text across files, which the model cannot. {ev['files']} files, {ev['bytes']:,} bytes, {ev['tokens']:,} tokens.

## Intended use
Demonstration and inspection: watching how a transformer tokenizes code, predicts the next token, attends and
generates, on a model small enough to run anywhere. Offline fallback when no other model is configured.

## Limitations
Trained for {ev['train_minutes']:.0f} minutes on a CPU: its answers are often wrong, repetitive or off-topic,
and it knows nothing outside the code it saw. English comments and JavaScript/TypeScript/Python only. Do not rely on
its output. It was not tuned for safety; treat its text as untrusted, as Glassbox does.

## License
MIT for the weights and recipe. The training data's licenses are listed in data-manifest.json.
"""
    (out / "README.md").write_text(card)
    print(f"model card written to {out / 'README.md'}")


if __name__ == "__main__":
    main()
