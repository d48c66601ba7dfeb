"""A real-size decoder with random weights in the shape of a Hugging Face config (default: Qwen2.5-0.5B-Instruct), for
`npm run bench -- --model DIR` on the CPU, with no download.

It writes, in the Hub's layout for Transformers.js: onnx/model.onnx (fp32, Optimum's export, weights in
model.onnx_data) and onnx/model_q4.onnx (MatMulNBits, block 32, as Transformers.js's quantize.py makes it: the
embedding table stays fp32); config.json; the model's own generation_config.json (its sampling settings); and a
byte-level BPE tokenizer.json with the config's vocabulary size: the 256 byte tokens, filler tokens up to the size, the
chat template's special tokens at the model's ids. Without merges every byte is a token, so a 512-byte prompt is 512
tokens; sampled ids decode to their filler text. Random weights make the text meaningless but the work per token real.

Usage (the hub fixtures' venv: models/recipe/hub/make.sh makes it):
  models/recipe/work/hub-venv/bin/python models/recipe/bench/real_size.py OUT_DIR [--config CONFIG.json] [--dtypes fp32,q4]
  [--gguf]
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Qwen2.5-0.5B-Instruct's config.json and generation_config.json (the shape and the sampling; the weights are random)
QWEN25_05B = {
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "hidden_size": 896,
    "intermediate_size": 4864,
    "num_hidden_layers": 24,
    "num_attention_heads": 14,
    "num_key_value_heads": 2,
    "max_position_embeddings": 32768,
    "rope_theta": 1000000.0,
    "rms_norm_eps": 1e-06,
    "vocab_size": 151936,
    "tie_word_embeddings": True,
    "hidden_act": "silu",
    "bos_token_id": 151643,
    "eos_token_id": 151645,
    "use_sliding_window": False,
    "sliding_window": 32768,
    "max_window_layers": 21,
}
QWEN25_GENERATION = {
    "bos_token_id": 151643,
    "pad_token_id": 151643,
    "eos_token_id": [151645, 151643],
    "do_sample": True,
    "temperature": 0.7,
    "top_p": 0.8,
    "top_k": 20,
    "repetition_penalty": 1.1,
}
CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def byte_level_alphabet():
    """GPT-2's bytes_to_unicode: the printable stand-in of every byte, in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = [], 0
    for b in range(256):
        if b in printable:
            chars.append(chr(b))
        else:
            chars.append(chr(256 + extra))
            extra += 1
    return chars


def tokenizer_files(out, vocab_size, specials):
    """tokenizer.json (byte-level BPE, no merges) and tokenizer_config.json with the ChatML template."""
    vocab = {c: i for i, c in enumerate(byte_level_alphabet())}
    special_ids = set(specials.values())
    for i in range(256, vocab_size):
        if i not in special_ids:
            vocab[f"tok{i}"] = i
    added = [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": True} for s, i in sorted(specials.items(), key=lambda x: x[1])]
    for s, i in specials.items():
        vocab[s] = i
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": []},
    }
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "add_bos_token": False,
        "chat_template": CHATML,
        "model_max_length": 32768,
    }, indent=2))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--config", help="a Hugging Face config.json to take the shape from (default: Qwen2.5-0.5B-Instruct)")
    p.add_argument("--generation-config", help="its generation_config.json (default: Qwen2.5's sampling settings)")
    p.add_argument("--dtypes", default="fp32,q4", help="comma-separated: fp32 and/or q4")
    p.add_argument("--gguf", action="store_true", help="also write gguf/model-q4_0.gguf for llama.cpp (to_gguf.py)")
    a = p.parse_args()
    out = Path(a.out)
    work = out.with_name(out.name + "-work")
    config = json.loads(Path(a.config).read_text()) if a.config else dict(QWEN25_05B)
    generation = json.loads(Path(a.generation_config).read_text()) if a.generation_config else dict(QWEN25_GENERATION)

    import torch
    import transformers
    torch.manual_seed(0)
    hf_config = transformers.AutoConfig.for_model(**config)
    model = transformers.AutoModelForCausalLM.from_config(hf_config, torch_dtype=torch.float32)
    with torch.no_grad():  # N(0, 0.02), as a fresh model is initialised, but the same on every machine
        for param in model.parameters():
            param.normal_(0.0, 0.02)
    (work / "hf").mkdir(parents=True, exist_ok=True)
    model.save_pretrained(work / "hf")
    (work / "hf" / "generation_config.json").write_text(json.dumps(generation, indent=2))
    params = sum(t.numel() for t in model.parameters())
    del model

    from optimum.exporters.onnx import main_export
    main_export(str(work / "hf"), output=str(work / "onnx"), task="text-generation-with-past", no_post_process=True,
                device="cpu", do_validation=False)
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    dtypes = a.dtypes.split(",")
    import onnx
    if "fp32" in dtypes:
        graph = onnx.load(str(work / "onnx" / "model.onnx"))
        onnx.save(graph, str(out / "onnx" / "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                  location="model.onnx_data", size_threshold=1024)
        del graph
    if "q4" in dtypes:
        sys.path.insert(0, str(HERE.parent / "hub"))
        from hub_fixtures import to_q4  # the same quantizer call as the Hub-layout fixtures
        quantized = to_q4(onnx.load(str(work / "onnx" / "model.onnx")))
        large = quantized.ByteSize() > 2_000_000_000
        onnx.save(quantized, str(out / "onnx" / "model_q4.onnx"), save_as_external_data=large,
                  **({"all_tensors_to_one_file": True, "location": "model_q4.onnx_data"} if large else {}))
        del quantized

    (out / "config.json").write_text(json.dumps(json.loads((work / "hf" / "config.json").read_text()), indent=2))
    (out / "generation_config.json").write_text(json.dumps(generation, indent=2))
    specials = {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645}
    if config["vocab_size"] <= max(specials.values()):
        top = config["vocab_size"]
        specials = {"<|endoftext|>": top - 3, "<|im_start|>": top - 2, "<|im_end|>": top - 1}
    tokenizer_files(out, config["vocab_size"], specials)
    if a.gguf:
        from to_gguf import write_gguf  # the same weights for llama.cpp (needs PyPI's gguf in the venv)
        (out / "gguf").mkdir(exist_ok=True)
        write_gguf(work / "hf", out / "gguf" / "model-q4_0.gguf", out / "tokenizer.json")
    shutil.rmtree(work)
    print(f"{out}: {params / 1e6:.0f}M parameters, vocabulary {config['vocab_size']}, {', '.join(dtypes)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
