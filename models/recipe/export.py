"""Export: writes a model as a Transformers.js/Optimum decoder folder (ONNX with KV cache + HF json files)."""
import argparse
import json
import shutil
from pathlib import Path

import onnx
import torch

import bpe
import fused
from model import Decoder, OnnxWrapper

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OPSET = 17
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def hf_config(cfg, vocab):
    bos, eos, im_end = vocab[bpe.BOS], vocab[bpe.EOS], vocab[bpe.IM_END]
    common = {"vocab_size": cfg["vocab"], "bos_token_id": bos, "eos_token_id": [eos, im_end], "pad_token_id": eos,
              "tie_word_embeddings": True, "torch_dtype": "float32", "transformers_version": "4.46.0"}
    if cfg["layout"] == "gpt2":
        return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": cfg["d"], "n_head": cfg["heads"],
                "n_layer": cfg["layers"], "n_positions": cfg["ctx"], "n_ctx": cfg["ctx"], "n_inner": cfg["ffn"],
                "activation_function": "gelu_new", "layer_norm_epsilon": cfg["eps"], **common}
    arch = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM"}[cfg["layout"]]
    out = {"architectures": [arch], "model_type": cfg["layout"], "hidden_size": cfg["d"],
           "intermediate_size": cfg["ffn"], "num_attention_heads": cfg["heads"],
           "num_key_value_heads": cfg["kv_heads"], "num_hidden_layers": cfg["layers"], "head_dim": cfg["head_dim"],
           "max_position_embeddings": cfg["ctx"], "rms_norm_eps": cfg["eps"], "rope_theta": cfg["rope_theta"],
           "hidden_act": "silu", **common}
    if cfg["layout"] == "llama":
        out.update({"attention_bias": False, "mlp_bias": False})
    else:
        out.update({"use_sliding_window": False, "sliding_window": None})
    return out


def tokenizer_config(vocab, ctx):
    specials = {str(vocab[s]): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                                "single_word": False, "special": True} for s in bpe.SPECIALS}
    return {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": bpe.BOS, "eos_token": bpe.EOS,
            "pad_token": bpe.EOS, "unk_token": None, "add_bos_token": True, "add_eos_token": False,
            "model_max_length": ctx, "clean_up_tokenization_spaces": False, "added_tokens_decoder": specials,
            "additional_special_tokens": [bpe.IM_START, bpe.IM_END], "chat_template": CHAT_TEMPLATE}


def export_onnx(model, path):
    """Exports with torch.onnx; returns the graph's input names."""
    cfg = model.cfg
    wrapper = OnnxWrapper(model).eval()
    past_len, q_len = 2, 3
    ids = torch.randint(0, cfg["vocab"], (1, q_len))
    mask = torch.ones(1, past_len + q_len, dtype=torch.int64)
    pos = torch.arange(past_len, past_len + q_len)[None]
    past = [torch.zeros(1, cfg["kv_heads"], past_len, cfg["head_dim"]) for _ in range(2 * cfg["layers"])]
    names_past = [f"past_key_values.{i}.{kv}" for i in range(cfg["layers"]) for kv in ("key", "value")]
    names_present = [f"present.{i}.{kv}" for i in range(cfg["layers"]) for kv in ("key", "value")]
    inputs = ["input_ids", "attention_mask"] + (["position_ids"] if wrapper.with_position_ids else []) + names_past
    args = (ids, mask) + ((pos,) if wrapper.with_position_ids else ()) + tuple(past)
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in names_past})
    axes.update({n: {0: "batch_size", 2: "total_sequence_length"} for n in names_present})
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(wrapper, args, str(path), input_names=inputs, output_names=["logits"] + names_present,
                          dynamic_axes={k: v for k, v in axes.items() if k in inputs or k == "logits"
                                        or k in names_present},
                          opset_version=OPSET, do_constant_folding=False)
    graph = onnx.load(str(path))
    onnx.checker.check_model(graph)
    embed_shape = [cfg["vocab"], cfg["d"]]
    tied = [i.name for i in graph.graph.initializer if list(i.dims) == embed_shape]
    assert len(tied) == 1, f"the tied embedding must be stored once, found {tied}"
    return inputs


def reference(model, enc, texts):
    """Recorded torch outputs the Node tests compare ONNX Runtime against (an independent computation)."""
    rows = []
    probe = list(range(0, model.cfg["vocab"], max(1, model.cfg["vocab"] // 16)))
    for n, text in enumerate(texts):
        ids = enc.encode(text)[: model.cfg["ctx"]]
        capture = [] if n == 0 else None
        with torch.no_grad():
            logits = model(torch.tensor([ids]), capture)[0]
        if capture is not None:  # attention of the first text: [layer][head] -> rows of probabilities
            h = model.cfg["heads"]
            rows_attention = [[[[round(float(v), 7) for v in r] for r in capture[l * h + j]] for j in range(h)]
                              for l in range(model.cfg["layers"])]
        rows.append({"text": text, "ids": ids, "probe_ids": probe,
                     "probe_logits": [[round(float(v), 6) for v in logits[t, probe]] for t in range(len(ids))],
                     "argmax": logits.argmax(-1).tolist(),
                     "logsumexp": [round(float(v), 6) for v in torch.logsumexp(logits, -1)]})
        if capture is not None:
            rows[-1]["attention"] = rows_attention
    return rows


REFERENCE_TEXTS = [
    "function add(a, b) {\n  return a + b;\n}\n",
    "import numpy as np\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n",
    "const greeting = `héllo wörld ✓ 你好 🙂`;\n",
]


EDGE_TEXTS = [
    "", " ", "\n\n\t  \r\n", "x", "    if (a) {\n        return b;\n    }\n", "emoji 🙂👩‍💻 and CJK 漢字かな 한국어",
    "combining e\u0301 and zero\u200bwidth", "<|im_start|>user\nhi<|im_end|>\n", "it's they're we've I'm you'll he'd",
    "0123456789 3.14159 1e-9 0xFF", "\u00a0non-breaking\u3000ideographic space", "tab\tseparated\tvalues\n",
]


def tokenizer_reference(enc, work, count=48):
    """Recorded ids of the recipe's own encoder, which @huggingface/tokenizers must reproduce."""
    texts = list(EDGE_TEXTS)
    with open(Path(work) / "corpus" / "heldout.jsonl") as f:
        for i, line in enumerate(f):
            if len(texts) >= len(EDGE_TEXTS) + count:
                break
            text = json.loads(line)["text"]
            start = (i * 7919) % max(1, len(text) - 600)
            texts.append(text[start : start + 600])
    rows = [{"text": t, "ids": enc.encode(t)} for t in texts]
    path = ROOT / "test" / "fixtures" / "reference" / "tokenizer.json"
    path.write_text(json.dumps({"tokenizer": "models/glassbox-tiny/tokenizer.json", "rows": rows}, ensure_ascii=False))


def export_folder(model, out_dir, tokenizer_path, name, fused_attention=False):
    cfg = model.cfg
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / "onnx" / "model.onnx"
    inputs = fused.build(model, onnx_path) if fused_attention else export_onnx(model, onnx_path)
    shutil.copyfile(tokenizer_path, out_dir / "tokenizer.json")
    vocab = json.loads(Path(tokenizer_path).read_text())["model"]["vocab"]
    config = hf_config(cfg, vocab)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    gen = {"bos_token_id": config["bos_token_id"], "eos_token_id": config["eos_token_id"],
           "pad_token_id": config["pad_token_id"], "do_sample": True, "temperature": 0.7, "top_p": 0.9,
           "repetition_penalty": 1.1, "max_new_tokens": 256}
    (out_dir / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n")
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config(vocab, cfg["ctx"]), indent=2) + "\n")
    ref_dir = ROOT / "test" / "fixtures" / "reference"
    ref_dir.mkdir(parents=True, exist_ok=True)
    enc = bpe.load(tokenizer_path)
    rows = reference(model.eval(), enc, REFERENCE_TEXTS)
    (ref_dir / f"{name}.json").write_text(json.dumps({"model": name, "inputs": inputs, "rows": rows}))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", default=str(HERE / "work"))
    ap.add_argument("--out", default=str(ROOT / "models" / "glassbox-tiny"))
    args = ap.parse_args()
    work = Path(args.work)
    saved = torch.load(work / "ckpt.pt", map_location="cpu")
    model = Decoder(saved["config"])
    model.load_state_dict(saved["model"])
    export_folder(model.eval(), args.out, work / "tokenizer.json", "glassbox-tiny")
    tokenizer_reference(bpe.load(work / "tokenizer.json"), work)
    print(f"exported to {args.out}")


if __name__ == "__main__":
    main()
