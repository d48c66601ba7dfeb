"""The same weights as GGUF for llama.cpp: a Qwen2/Llama Hugging Face folder (real_size.py's OUT-work/hf) written with
PyPI's `gguf` package, linear weights and the embedding table in Q4_0 (llama.cpp's plain 4-bit blocks of 32), norms and
biases in f32, so `npm run bench -- --model DIR` can put llama.cpp (node-llama-cpp) beside the engine on equal work.

The tokenizer part lists the model's vocabulary as tokens (tokenizer.ggml.model gpt2); the bench feeds token ids, so
llama.cpp's own tokenizer is never used. Q and K rows are written as Hugging Face stores them: llama.cpp runs Qwen2
with NeoX rotary (no permutation); for a Llama folder the rows are permuted as llama.cpp's converter does.

Usage: models/recipe/work/hub-venv/bin/python models/recipe/bench/to_gguf.py HF_DIR OUT.gguf [--tokenizer tokenizer.json]
(the hub venv, models/recipe/hub/requirements.txt, pins gguf), or real_size.py --gguf
"""
import argparse
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

import gguf
from gguf import GGMLQuantizationType as Q


def permute(w, heads):  # llama.cpp's LlamaModel.permute: HF's rotate-half layout to interleaved pairs
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(hf_dir, out, tokenizer=None):
    hf = Path(hf_dir)
    c = json.loads((hf / "config.json").read_text())
    arch = {"qwen2": "qwen2", "llama": "llama"}[c["model_type"]]
    tensors = {}
    for f in sorted(hf.glob("*.safetensors")):
        tensors.update(load_file(str(f)))
    heads, kv_heads = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])

    w = gguf.GGUFWriter(str(out), arch)
    w.add_name(f"random-weight {arch} in the shape of {hf}")
    w.add_context_length(min(c["max_position_embeddings"], 32768))
    w.add_embedding_length(c["hidden_size"])
    w.add_block_count(c["num_hidden_layers"])
    w.add_feed_forward_length(c["intermediate_size"])
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_freq_base(c.get("rope_theta", 10000.0))
    w.add_layer_norm_rms_eps(c["rms_norm_eps"])
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0)

    tok_path = Path(tokenizer) if tokenizer else None
    vocab = json.loads(tok_path.read_text())["model"]["vocab"] if tok_path else {}
    tokens = [f"<unused{i}>" for i in range(c["vocab_size"])]
    for text, i in vocab.items():
        if i < len(tokens):
            tokens[i] = text
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2" if arch == "qwen2" else "default")
    w.add_token_list(tokens)
    w.add_token_types([gguf.TokenType.NORMAL] * len(tokens))
    w.add_token_merges(["\u0120 \u0120"])  # llama.cpp's BPE vocabulary needs merges; the bench never tokenizes
    w.add_bos_token_id(c.get("bos_token_id") or 0)
    eos = c.get("eos_token_id")
    w.add_eos_token_id(eos[0] if isinstance(eos, list) else (eos or 0))

    def add(name, data, quantize):
        data = np.ascontiguousarray(data.astype(np.float32))
        if quantize and data.ndim == 2 and data.shape[1] % 32 == 0:
            w.add_tensor(name, gguf.quants.quantize(data, Q.Q4_0), raw_dtype=Q.Q4_0)
        else:
            w.add_tensor(name, data)

    add("token_embd.weight", tensors["model.embed_tokens.weight"], True)
    for i in range(c["num_hidden_layers"]):
        pre = f"model.layers.{i}."
        q = tensors[pre + "self_attn.q_proj.weight"]
        k = tensors[pre + "self_attn.k_proj.weight"]
        if arch == "llama":
            q, k = permute(q, heads), permute(k, kv_heads)
        add(f"blk.{i}.attn_norm.weight", tensors[pre + "input_layernorm.weight"], False)
        add(f"blk.{i}.attn_q.weight", q, True)
        add(f"blk.{i}.attn_k.weight", k, True)
        add(f"blk.{i}.attn_v.weight", tensors[pre + "self_attn.v_proj.weight"], True)
        for b in ("q", "k", "v"):
            if pre + f"self_attn.{b}_proj.bias" in tensors:
                add(f"blk.{i}.attn_{b}.bias", tensors[pre + f"self_attn.{b}_proj.bias"], False)
        add(f"blk.{i}.attn_output.weight", tensors[pre + "self_attn.o_proj.weight"], True)
        add(f"blk.{i}.ffn_norm.weight", tensors[pre + "post_attention_layernorm.weight"], False)
        add(f"blk.{i}.ffn_gate.weight", tensors[pre + "mlp.gate_proj.weight"], True)
        add(f"blk.{i}.ffn_up.weight", tensors[pre + "mlp.up_proj.weight"], True)
        add(f"blk.{i}.ffn_down.weight", tensors[pre + "mlp.down_proj.weight"], True)
    add("output_norm.weight", tensors["model.norm.weight"], False)
    if "lm_head.weight" in tensors and not c.get("tie_word_embeddings", False):
        add("output.weight", tensors["lm_head.weight"], True)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out}: {Path(out).stat().st_size / 1e6:.1f} MB")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("hf_dir")
    p.add_argument("out")
    p.add_argument("--tokenizer", help="a tokenizer.json whose vocabulary names the tokens")
    a = p.parse_args()
    write_gguf(a.hf_dir, a.out, a.tokenizer)


if __name__ == "__main__":
    main()
