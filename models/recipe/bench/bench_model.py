"""A real-size Llama-shaped decoder for GPU benchmarks, exported without its weights.

The graph (Optimum's export, text-generation-with-past, the layout of onnx-community repos) keeps its weights in
external data; this script writes the graph and an index of the weight file, not the weights. fill_weights.py then
writes seeded random weights of the right size where the benchmark runs (a GPU machine), so a multi-gigabyte model
travels as a few hundred kilobytes. Random weights make the text meaningless but the work per token real: every
weight is read once per decoded token. The tokenizer is glassbox-tiny's (vocabulary 6144).
Usage: python bench_model.py OUT_DIR [--layers 16 --hidden 2048 ...]
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

import onnx
import torch
import transformers

HERE = Path(__file__).resolve().parent
TINY = HERE.parent.parent / "glassbox-tiny"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--layers", type=int, default=16)
    p.add_argument("--hidden", type=int, default=2048)
    p.add_argument("--intermediate", type=int, default=5632)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=4)
    a = p.parse_args()
    out = Path(a.out)
    work = out.with_name(out.name + "-work")
    cfg = transformers.LlamaConfig(
        vocab_size=6144, hidden_size=a.hidden, intermediate_size=a.intermediate, num_hidden_layers=a.layers,
        num_attention_heads=a.heads, num_key_value_heads=a.kv_heads, head_dim=a.hidden // a.heads,
        max_position_embeddings=2048, bos_token_id=1, eos_token_id=[0, 3], pad_token_id=0, tie_word_embeddings=False)
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(cfg)
    work.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(work / "hf")
    del model
    from optimum.exporters.onnx import main_export
    main_export(str(work / "hf"), output=str(work / "onnx"), task="text-generation-with-past", no_post_process=True,
                device="cpu", do_validation=False)
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    graph = onnx.load(str(work / "onnx" / "model.onnx"), load_external_data=False)
    index = []
    from onnx.external_data_helper import _get_all_tensors  # initializers and Constant nodes' tensors alike
    for t in _get_all_tensors(graph):
        if t.data_location != onnx.TensorProto.EXTERNAL:
            continue
        info = {e.key: e.value for e in t.external_data}
        offset, length = int(info.get("offset", 0)), int(info["length"])
        if t.data_type != onnx.TensorProto.FLOAT or length < (1 << 16):
            # shapes, indices and small vectors (norms) keep their real values, inside the graph
            with open(work / "onnx" / info["location"], "rb") as f:
                f.seek(offset)
                t.raw_data = f.read(length)
            t.data_location = onnx.TensorProto.DEFAULT
            del t.external_data[:]
            continue
        index.append({"name": t.name, "file": info["location"], "offset": offset, "length": length,
                      "dtype": t.data_type, "dims": list(t.dims)})
    onnx.save(graph, str(out / "onnx" / "model.onnx"))
    (out / "weights-index.json").write_text(json.dumps(index))
    for f in ["tokenizer.json", "tokenizer_config.json", "generation_config.json", "special_tokens_map.json"]:
        if (TINY / f).exists():
            shutil.copy(TINY / f, out / f)
    conf = json.loads((work / "hf" / "config.json").read_text())
    (out / "config.json").write_text(json.dumps(conf, indent=2))
    shutil.rmtree(work)
    total = sum(i["length"] for i in index)
    print(f"{out}: {len(index)} external tensors, {total / 1e9:.2f} GB of weights to fill", file=sys.stderr)


if __name__ == "__main__":
    main()
