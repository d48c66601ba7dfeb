"""Hub-layout fixtures: tiny random-weight models in the folder layouts of onnx-community / Xenova repos.

Each model is a real Transformers class (config built here, seeded random weights), saved with save_pretrained,
then turned into ONNX the way the Hub's files are made: Optimum's exporter (task text-generation-with-past), ONNX
Runtime's quantizers as Transformers.js's scripts/quantize.py calls them, or the onnxruntime-genai model builder.
Writes models/fixtures/hub/<name>/ and a torch reference test/fixtures/reference/hub/<name>.json per folder, and
prints an ONNX Runtime vs torch cross-check plus graph facts (also saved to work/hub/report.json).
"""
import argparse
import copy
import json
import logging
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
TOKENIZER_DIR = ROOT / "models" / "glassbox-tiny"
OUT = ROOT / "models" / "fixtures" / "hub"
REF = ROOT / "test" / "fixtures" / "reference" / "hub"
WORK = HERE.parent / "work" / "hub"

TEXTS = ["function add(a, b) {\n  return a + b;\n}", "import os\n\ndef main():\n"]
BOS = 1
GREEDY_STEPS = 24
# tiny dims; head_dim 16 because ORT's GroupQueryAttention wants head_size % 16 == 0
DIMS = dict(vocab_size=6144, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, head_dim=16, max_position_embeddings=512, bos_token_id=BOS, eos_token_id=[0, 3],
            pad_token_id=0, rms_norm_eps=1e-6, rope_theta=10000.0)
DTYPE_OF_FILE = {"model.onnx": "fp32", "model_fp16.onnx": "fp16", "model_q4.onnx": "q4", "model_q4f16.onnx": "q4f16",
                 "model_quantized.onnx": "q8", "model_int8.onnx": "int8", "model_uint8.onnx": "uint8",
                 "decoder_model_merged.onnx": "fp32"}
KV_CACHE_DTYPE = {"transformers.js_config": {"kv_cache_dtype": {"q4f16": "float16", "fp16": "float16"}}}

torch.set_num_threads(2)
logging.disable(logging.INFO)  # the quantizers log every node


# ---------------------------------------------------------------- models
def make_model(arch, seed, **overrides):
    import transformers
    cfg_cls = {"LlamaForCausalLM": "LlamaConfig", "Qwen3ForCausalLM": "Qwen3Config", "Qwen2ForCausalLM": "Qwen2Config",
               "Gemma2ForCausalLM": "Gemma2Config", "Gemma3ForCausalLM": "Gemma3TextConfig"}[arch]
    cfg = getattr(transformers, cfg_cls)(**{**DIMS, **overrides})
    cfg._attn_implementation = "eager"  # the reference: float32, eager attention (it also returns the probabilities)
    torch.manual_seed(seed)
    model = getattr(transformers, arch)(cfg)
    with torch.no_grad():
        # larger-than-trained weights so that logits are far from uniform and argmax is never a near-tie
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.normal_(0, 0.3)
            elif name.endswith("bias"):
                p.normal_(0, 0.2)
            else:  # norm weights: Llama/Qwen's start at 1 (x * w), Gemma's at 0 (x * (1 + w)); jitter either
                p.add_(torch.randn_like(p) * 0.1)
    return model.eval()


def save_hf(model, folder):
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    model.save_pretrained(folder)
    copy_tokenizer(folder)
    return folder


def copy_tokenizer(folder):
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(TOKENIZER_DIR / f, Path(folder) / f)


def optimum_export(hf_dir, out_dir, eager=False):
    from optimum.exporters.onnx import main_export
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    if not eager:
        main_export(str(hf_dir), str(out_dir), task="text-generation-with-past", do_validation=False)
        return out_dir
    # main_export loads with the default (sdpa) attention, which has no attention softcapping: load eager ourselves
    # and hand the model to the exporter main_export itself calls
    from optimum.exporters.onnx import onnx_export_from_model
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(hf_dir, attn_implementation="eager")
    onnx_export_from_model(model, str(out_dir), task="text-generation-with-past", do_validation=False)
    return out_dir


def start_folder(name, export_dir, config_extra=None):
    """A Hub-style folder: config/generation_config from the export, tokenizer files, onnx/ for the graphs."""
    folder = OUT / name
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "onnx").mkdir(parents=True)
    config = json.loads((Path(export_dir) / "config.json").read_text())
    config.update(config_extra or {})
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    shutil.copyfile(Path(export_dir) / "generation_config.json", folder / "generation_config.json")
    copy_tokenizer(folder)
    return folder


# ---------------------------------------------------------------- variants (as Transformers.js's quantize.py)
def to_fp16(model):
    from onnxruntime.transformers.float16 import convert_float_to_float16
    # keep_io_types=False: inputs, logits and the KV cache are float16, as in the Hub's model_fp16 / model_q4f16
    return convert_float_to_float16(copy.deepcopy(model), keep_io_types=False)


def to_q4(model):
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    q = MatMulNBitsQuantizer(copy.deepcopy(model), bits=4, block_size=32, is_symmetric=True, accuracy_level=None)
    q.process()  # every MatMul with a constant B, the LM head included; the Gather (embedding) stays float
    return q.model.model


def to_q8(model, weight_type):
    from onnxruntime.quantization import QuantizationMode
    from onnxruntime.quantization.onnx_quantizer import ONNXQuantizer
    from onnxruntime.quantization.registry import IntegerOpsRegistry
    q = ONNXQuantizer(copy.deepcopy(model), False, False, mode=QuantizationMode.IntegerOps, static=False,
                      weight_qType=weight_type, activation_qType=_qtype("QUInt8"), tensors_range=None,
                      nodes_to_quantize=[], nodes_to_exclude=[], op_types_to_quantize=set(IntegerOpsRegistry.keys()),
                      extra_options=dict(EnableSubgraph=True, MatMulConstBOnly=True))
    q.quantize_model()  # MatMul -> DynamicQuantizeLinear + MatMulInteger, Gather -> uint8/int8 table + DequantizeLinear
    return q.model.model


def _qtype(name):
    from onnxruntime.quantization import QuantType
    return getattr(QuantType, name)


def q8_weight_type(model):
    """Transformers.js's rule for model_quantized: uint8 weights if the graph has Conv or ORT's attention ops."""
    ops = {n.op_type for n in all_nodes(model.graph)}
    return _qtype("QUInt8") if ops & {"Conv", "GroupQueryAttention", "MultiHeadAttention"} else _qtype("QInt8")


def save(model, path, check=True):
    if check:  # not for the builder's graphs: ORT registers SimplifiedLayerNormalization in the ai.onnx domain
        onnx.checker.check_model(model)
    onnx.save_model(model, str(path))


# ---------------------------------------------------------------- ONNX Runtime
def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


NP = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(int64)": np.int64, "tensor(int32)": np.int32}


def ort_step(sess, ids, past, past_len, keep=0):
    feeds = {}
    for i in sess.get_inputs():
        n = len(ids)
        if i.name == "input_ids":
            feeds[i.name] = np.array([ids], np.int64)
        elif i.name == "attention_mask":
            feeds[i.name] = np.ones((1, past_len + n), np.int64)
        elif i.name == "position_ids":
            feeds[i.name] = np.arange(past_len, past_len + n, dtype=np.int64)[None]
        elif i.name == "use_cache_branch":  # legacy decoder_model_merged: the If picks the with-past branch
            feeds[i.name] = np.array([past is not None])
        elif i.name == "num_logits_to_keep":
            feeds[i.name] = np.array(keep, np.int64)
        elif i.name.startswith("past_key_values."):
            if past is None:
                shape = [1] + [d if isinstance(d, int) else 0 for d in i.shape[1:]]
                shape[2] = 0
                feeds[i.name] = np.zeros(shape, NP[i.type])
            else:
                feeds[i.name] = past[i.name]
        else:
            raise ValueError(f"unexpected input {i.name}")
    names = [o.name for o in sess.get_outputs()]
    outs = dict(zip(names, sess.run(None, feeds)))
    new_past = {k.replace("present.", "past_key_values.", 1): v for k, v in outs.items() if k.startswith("present.")}
    return outs["logits"][0].astype(np.float32), new_past


def log_softmax(x):
    x = x.astype(np.float64)
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def ort_check(path, ids, torch_logprobs):
    """Whole-prompt logprobs vs torch, and a KV loop (prompt, then 2 single tokens) vs the whole-prompt run."""
    sess = session(path)
    full, _ = ort_step(sess, ids, None, 0)
    lp = log_softmax(full)
    diff = float(np.abs(lp - torch_logprobs).max())
    argmax_agree = float((lp.argmax(-1) == torch_logprobs.argmax(-1)).mean())
    logits, past = ort_step(sess, ids[:-2], None, 0)
    rows = [logits[-1]]
    for j in (len(ids) - 2, len(ids) - 1):
        logits, past = ort_step(sess, [ids[j]], past, j)
        rows.append(logits[-1])
    loop = float(np.abs(log_softmax(np.stack(rows)) - lp[-3:]).max())
    return {"max_abs_logprob_diff_vs_torch": diff, "argmax_agreement": argmax_agree, "kv_loop_vs_full": loop}


# ---------------------------------------------------------------- torch reference
def encode(texts):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
    return [[BOS] + tok.encode(t, add_special_tokens=False).ids for t in texts]


def reference(model, name, variants):
    rows, logprobs = [], []
    for n, (text, ids) in enumerate(zip(TEXTS, encode(TEXTS))):
        with torch.no_grad():
            out = model(torch.tensor([ids]), output_attentions=n == 0, use_cache=False)
        lp = torch.log_softmax(out.logits[0].double(), -1)
        logprobs.append(lp.numpy())
        top = lp.topk(5, -1)
        row = {"text": text, "ids": ids,
               "top5_ids": top.indices.tolist(),
               "top5_logprobs": [[round(float(v), 6) for v in r] for r in top.values],
               "next_logprob": [round(float(lp[t, ids[t + 1]]), 6) for t in range(len(ids) - 1)] + [None]}
        if n == 0:
            row["attention"] = [[[[round(float(v), 7) for v in r] for r in head] for head in layer[0]]
                                for layer in out.attentions]
        row["greedy"] = greedy(model, ids)
        rows.append(row)
    doc = {"model": name,
           "note": ("ids are exactly what was fed: the bundled tokenizer without special tokens, then BOS id 1 "
                    "prepended. torch float32, eager attention. top5_* and next_logprob are per position "
                    "(next_logprob[t] = log p(ids[t+1]); null at the last position). attention (first text only): "
                    "[layer][head][query][key] probabilities. greedy: 24 argmax tokens with the KV cache, "
                    "no stop at EOS, no penalties."),
           "variants": variants, "inputs": rows}
    REF.mkdir(parents=True, exist_ok=True)
    (REF / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n")
    return logprobs


def greedy(model, ids):
    with torch.no_grad():
        out = model(torch.tensor([ids]), use_cache=True)
        tokens = []
        for _ in range(GREEDY_STEPS):
            nxt = int(out.logits[0, -1].argmax())
            tokens.append(nxt)
            out = model(torch.tensor([[nxt]]), past_key_values=out.past_key_values, use_cache=True)
    return tokens


# ---------------------------------------------------------------- graph facts
def all_nodes(graph):
    for node in graph.node:
        yield node
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from all_nodes(a.g)


NOTABLE = ("MatMulNBits", "MatMulInteger", "DynamicQuantizeLinear", "DequantizeLinear", "GatherBlockQuantized",
           "GroupQueryAttention", "MultiHeadAttention", "SimplifiedLayerNormalization",
           "SkipSimplifiedLayerNormalization", "RotaryEmbedding", "Softmax", "If", "Tanh", "Slice", "Gather")


def facts(path):
    m = onnx.load(str(path), load_external_data=False)
    init = {i.name for i in m.graph.initializer}
    ops = Counter(n.op_type for n in all_nodes(m.graph))
    f = {"inputs": [f"{i.name}:{TensorProto.DataType.Name(i.type.tensor_type.elem_type)}"
                    f"{[d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]}" for i in m.graph.input
                    if i.name not in init],
         "outputs": [o.name for o in m.graph.output][:3],
         "opset": {o.domain or "ai.onnx": o.version for o in m.opset_import},
         "ops": {k: ops[k] for k in NOTABLE if ops[k]}, "node_count": sum(ops.values())}
    gqa = [n for n in all_nodes(m.graph) if n.op_type == "GroupQueryAttention"]
    if gqa:
        n = gqa[0]
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        f["gqa"] = {"packed_qkv": len(n.input) < 2 or n.input[1] == "", "do_rotary": attrs.get("do_rotary", 0),
                    "attrs": {k: v for k, v in attrs.items() if not isinstance(v, bytes)}}
    skips = [n for n in all_nodes(m.graph) if n.op_type == "SkipSimplifiedLayerNormalization"]
    if skips:
        f["skip_outputs"] = [len([o for o in n.output]) for n in skips]
        f["skip_residual_sum_at_3"] = sum(1 for n in skips if len(n.output) > 3 and n.output[3])
    q = [n for n in all_nodes(m.graph) if n.op_type == "MatMulNBits"]
    if q:
        f["matmulnbits_attrs"] = {a.name: helper.get_attribute_value(a) for a in q[0].attribute}
    return f


# ---------------------------------------------------------------- fixtures
REPORT = {}


def finish(name, model, folder, onnx_files, extra_checks=None):
    variants = [{"file": f"onnx/{f}", "dtype": DTYPE_OF_FILE.get(f, f)} for f in onnx_files]
    torch_lp = reference(model, name, variants)
    ids0 = encode(TEXTS)[0]
    rep = {}
    for f in onnx_files:
        rep[f] = {"check": ort_check(folder / "onnx" / f, ids0, torch_lp[0]), "facts": facts(folder / "onnx" / f)}
    rep["size_bytes"] = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    if extra_checks:
        rep.update(extra_checks())
    REPORT[name] = rep
    print(json.dumps({name: {k: (v["check"] if isinstance(v, dict) and "check" in v else v)
                             for k, v in rep.items()}}, indent=1))


def fixture_llama():
    model = make_model("LlamaForCausalLM", 11, tie_word_embeddings=False)
    hf = save_hf(model, WORK / "llama" / "hf")
    exp = optimum_export(hf, WORK / "llama" / "optimum")
    folder = start_folder("llama", exp, KV_CACHE_DTYPE)
    base = onnx.load(str(exp / "model.onnx"))
    fp16 = to_fp16(base)
    q4 = to_q4(base)
    files = {"model.onnx": base, "model_fp16.onnx": fp16, "model_q4.onnx": q4,
             # as Transformers.js makes q4f16: the q4 graph, then the float16 conversion
             "model_q4f16.onnx": to_fp16(q4),
             "model_quantized.onnx": to_q8(base, q8_weight_type(base)),
             "model_int8.onnx": to_q8(base, _qtype("QInt8")), "model_uint8.onnx": to_q8(base, _qtype("QUInt8"))}
    for f, m in files.items():
        save(m, folder / "onnx" / f)
    finish("llama", model, folder, list(files))
    return model, exp


def fixture_llama_external(model, exp):
    base = onnx.load(str(exp / "model.onnx"))
    folder = start_folder("llama-external", exp, {"transformers.js_config": {"use_external_data_format": True}})
    onnx.save_model(copy.deepcopy(base), str(folder / "onnx" / "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.onnx_data", size_threshold=0)
    finish("llama-external", model, folder, ["model.onnx"],
           lambda: {"files": sorted(p.name for p in (folder / "onnx").iterdir())})
    # two chunks, as Transformers.js's use_external_data_format: 2 repos: model.onnx_data, model.onnx_data_1
    folder = start_folder("llama-external-chunks", exp, {"transformers.js_config": {"use_external_data_format": 2}})
    m = copy.deepcopy(base)
    tensors = [t for t in m.graph.initializer if t.HasField("raw_data") or t.data_type]
    blobs = [numpy_helper.to_array(t).tobytes() for t in tensors]  # raw little-endian bytes
    total, half = sum(len(b) for b in blobs), sum(len(b) for b in blobs) / 2
    files = [bytearray(), bytearray()]
    seen = 0
    for t, blob in zip(tensors, blobs):
        k = 0 if seen < half else 1
        seen += len(blob)
        loc = "model.onnx_data" if k == 0 else "model.onnx_data_1"
        offset = len(files[k])
        files[k] += blob
        t.ClearField("raw_data")
        for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
            t.ClearField(field)
        del t.external_data[:]
        for key, value in (("location", loc), ("offset", str(offset)), ("length", str(len(blob)))):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        t.data_location = TensorProto.EXTERNAL
    (folder / "onnx" / "model.onnx_data").write_bytes(bytes(files[0]))
    (folder / "onnx" / "model.onnx_data_1").write_bytes(bytes(files[1]))
    onnx.save_model(m, str(folder / "onnx" / "model.onnx"))
    assert total == len(files[0]) + len(files[1])
    finish("llama-external-chunks", model, folder, ["model.onnx"],
           lambda: {"files": {p.name: p.stat().st_size for p in (folder / "onnx").iterdir()}})


def add_logits_to_keep(model):
    """num_logits_to_keep (int64 scalar): the LM head sees hidden[:, -k:] (k = 0 keeps every position)."""
    g = model.graph
    head = next(n for n in g.node if "logits" in n.output)
    assert head.op_type == "MatMul", head.op_type
    g.input.append(helper.make_tensor_value_info("num_logits_to_keep", TensorProto.INT64, []))
    g.initializer.extend([numpy_helper.from_array(np.array([0], np.int64), "logits_to_keep_axes0"),
                          numpy_helper.from_array(np.array([1], np.int64), "logits_to_keep_seq_axis"),
                          numpy_helper.from_array(np.array([np.iinfo(np.int64).max], np.int64), "logits_to_keep_end")])
    hidden = head.input[0]
    new = [helper.make_node("Neg", ["num_logits_to_keep"], ["logits_to_keep_neg"], name="logits_to_keep/Neg"),
           helper.make_node("Unsqueeze", ["logits_to_keep_neg", "logits_to_keep_axes0"], ["logits_to_keep_start"],
                            name="logits_to_keep/Unsqueeze"),
           helper.make_node("Slice", [hidden, "logits_to_keep_start", "logits_to_keep_end", "logits_to_keep_seq_axis"],
                            ["logits_to_keep_hidden"], name="logits_to_keep/Slice")]
    head.input[0] = "logits_to_keep_hidden"
    idx = list(g.node).index(head)
    for j, n in enumerate(new):
        g.node.insert(idx + j, n)
    return model


def fixture_qwen3():
    name = "qwen3-logits-to-keep"
    model = make_model("Qwen3ForCausalLM", 12, tie_word_embeddings=True)
    hf = save_hf(model, WORK / name / "hf")
    exp = optimum_export(hf, WORK / name / "optimum")
    folder = start_folder(name, exp)
    m = add_logits_to_keep(onnx.load(str(exp / "model.onnx")))
    save(m, folder / "onnx" / "model.onnx")

    def keep_check():
        sess = session(folder / "onnx" / "model.onnx")
        ids = encode(TEXTS)[0]
        all_rows, _ = ort_step(sess, ids, None, 0, keep=0)
        last, _ = ort_step(sess, ids, None, 0, keep=1)
        two, _ = ort_step(sess, ids, None, 0, keep=2)
        return {"keep0_shape": list(all_rows.shape), "keep1_shape": list(last.shape),
                "keep1_vs_last_row": float(np.abs(last[-1] - all_rows[-1]).max()),
                "keep2_vs_last_rows": float(np.abs(two - all_rows[-2:]).max())}
    finish(name, model, folder, ["model.onnx"], keep_check)


def fixture_gemma(name, arch, seed, eager, **overrides):
    model = make_model(arch, seed, tie_word_embeddings=True, query_pre_attn_scalar=DIMS["head_dim"],
                       hidden_activation="gelu_pytorch_tanh", **overrides)
    hf = save_hf(model, WORK / name / "hf")
    exp = optimum_export(hf, WORK / name / "optimum", eager=eager)
    folder = start_folder(name, exp)
    save(onnx.load(str(exp / "model.onnx")), folder / "onnx" / "model.onnx")
    finish(name, model, folder, ["model.onnx"])


def fixture_gemma2():
    fixture_gemma("gemma2", "Gemma2ForCausalLM", 13, True, final_logit_softcapping=30.0, attn_logit_softcapping=50.0,
                  sliding_window=512)


def fixture_gemma3():
    fixture_gemma("gemma3", "Gemma3ForCausalLM", 14, False, sliding_window=512,
                  layer_types=["sliding_attention", "full_attention"], rope_local_base_freq=10000.0)


def builder(hf, out, precision, ep, extra=()):
    if Path(out).exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(hf), "-o", str(out), "-p", precision,
           "-e", ep, "-c", str(Path(out).parent / "cache")] + (["--extra_options", *extra] if extra else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-3000:])
        return None
    return Path(out)


GENAI_BUILDS = (("fp32", "cpu", "model.onnx"), ("int4", "cpu", "model_q4.onnx"), ("int4", "webgpu", "model_q4f16.onnx"),
                ("fp16", "webgpu", "model_fp16.onnx"))


def fixture_genai(name="genai", seed=15, tied=False, extra=(), builds=GENAI_BUILDS, **overrides):
    model = make_model("Qwen2ForCausalLM", seed, tie_word_embeddings=tied, **overrides)
    hf = save_hf(model, WORK / name / "hf")
    exp = optimum_export(hf, WORK / name / "optimum")  # only for its config.json / generation_config.json
    folder = start_folder(name, exp, KV_CACHE_DTYPE)
    files, failed = [], {}
    for precision, ep, target in builds:
        out = builder(hf, WORK / name / f"{precision}-{ep}", precision, ep, extra)
        if out is None:
            failed[target] = f"builder -p {precision} -e {ep} failed"
            continue
        m = onnx.load(str(out / "model.onnx"))  # the builder writes model.onnx + model.onnx.data: tiny, so inline
        save(m, folder / "onnx" / target, check=False)
        shutil.copyfile(out / "genai_config.json", WORK / name / f"genai_config.{precision}-{ep}.json")
        if target == "model.onnx":
            shutil.copyfile(out / "genai_config.json", folder / "genai_config.json")
        files.append(target)
    finish(name, model, folder, files, lambda: {"failed": failed} if failed else {})


def fixture_genai_tied():
    """Tied embedding, builder option shared_embeddings: int4 embeds through GatherBlockQuantized reading the LM
    head's MatMulNBits weight, scales and zero points; fp32 through a Gather of the transposed LM head weight.
    Builder 0.11.4 wires GatherBlockQuantized to zero points, so int4 must be asymmetric (symmetric leaves the
    zero-point input dangling), and asymmetric packing fails for hidden 32 (one block per row): hidden 64 here."""
    fixture_genai("genai-tied", 16, True, ("shared_embeddings=true", "int4_algo_config=rtn", "int4_is_symmetric=false"),
                  GENAI_BUILDS[:3], hidden_size=64)


def fixture_llama_merged(model, exp):
    """The legacy layout: decoder_model (no past inputs) and decoder_with_past_model merged under one If node."""
    from optimum.exporters.onnx import onnx_export_from_model
    from optimum.exporters.onnx.model_configs import LlamaOnnxConfig
    from optimum.onnx import merge_decoders
    from transformers import AutoModelForCausalLM
    name = "llama-merged"
    hf_model = AutoModelForCausalLM.from_pretrained(WORK / "llama" / "hf")
    parts = []
    for part, past_in_inputs in (("decoder_model", False), ("decoder_with_past_model", True)):
        cfg = LlamaOnnxConfig(hf_model.config, task="text-generation", use_past=True,
                              use_past_in_inputs=past_in_inputs)
        out = WORK / name / part
        if out.exists():
            shutil.rmtree(out)
        onnx_export_from_model(hf_model, str(out), task="text-generation-with-past", do_validation=False,
                               custom_onnx_configs={"model": cfg})
        parts.append(out / "model.onnx")
    folder = start_folder(name, exp)
    merge_decoders(parts[0], parts[1], save_path=folder / "onnx" / "decoder_model_merged.onnx")
    finish(name, model, folder, ["decoder_model_merged.onnx"])


FIXTURES = ["llama", "llama-external", "llama-merged", "qwen3-logits-to-keep", "gemma2", "gemma3", "genai",
            "genai-tied"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", nargs="*", choices=FIXTURES, default=FIXTURES)
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    report_path = WORK / "report.json"
    if report_path.exists():
        REPORT.update(json.loads(report_path.read_text()))
    llama = None
    for name in args.only:
        if name == "llama":
            llama = fixture_llama()
        elif name in ("llama-external", "llama-merged"):  # from the llama fixture's model and export
            if llama is None:
                model = make_model("LlamaForCausalLM", 11, tie_word_embeddings=False)
                llama = (model, WORK / "llama" / "optimum")
            (fixture_llama_external if name == "llama-external" else fixture_llama_merged)(*llama)
        else:
            {"qwen3-logits-to-keep": fixture_qwen3, "gemma2": fixture_gemma2, "gemma3": fixture_gemma3,
             "genai": fixture_genai, "genai-tied": fixture_genai_tied}[name]()
        report_path.write_text(json.dumps(REPORT, indent=1, default=str) + "\n")
    assert not (OUT / "config.json").exists()


if __name__ == "__main__":
    main()
