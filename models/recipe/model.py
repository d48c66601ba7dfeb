"""Decoder-only transformer in three layouts (llama, qwen2, gpt2) for training on CPU and ONNX export."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def norm(cfg):
    if cfg["layout"] == "gpt2":
        return nn.LayerNorm(cfg["d"], eps=cfg["eps"])
    return RMSNorm(cfg["d"], cfg["eps"])


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, self.h, self.kv, self.hd = cfg["d"], cfg["heads"], cfg["kv_heads"], cfg["head_dim"]
        bias = cfg["layout"] != "llama"  # qwen2: q/k/v bias; gpt2: every projection has bias
        self.q = nn.Linear(d, self.h * self.hd, bias=bias)
        self.k = nn.Linear(d, self.kv * self.hd, bias=bias)
        self.v = nn.Linear(d, self.kv * self.hd, bias=bias)
        self.o = nn.Linear(self.h * self.hd, d, bias=cfg["layout"] == "gpt2")
        self.rope = cfg["layout"] != "gpt2"

    def project(self, x, cos, sin):
        b, t, _ = x.shape
        q = self.q(x).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k(x).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.v(x).view(b, t, self.kv, self.hd).transpose(1, 2)
        if self.rope:
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        return q, k, v

    def forward_train(self, x, cos, sin, causal, capture=None):
        """Attention as a loop of 2-D matmuls: batched matmul is far slower on the training CPUs."""
        b, t, _ = x.shape
        q, k, v = self.project(x, cos, sin)
        rep = self.h // self.kv
        scale = 1.0 / math.sqrt(self.hd)
        # unbind (whose backward is one stack) rather than indexing (whose backward fills a full-size zero tensor)
        qs = [h.unbind(0) for h in q.unbind(0)]
        ks = [h.unbind(0) for h in k.unbind(0)]
        vs = [h.unbind(0) for h in v.unbind(0)]
        rows = []
        for i in range(b):
            heads = []
            for j in range(self.h):
                s = torch.addmm(causal, qs[i][j], ks[i][j // rep].t(), alpha=scale)
                p = torch.softmax(s, dim=-1)
                if capture is not None:
                    capture.append(p)  # [t, t] probabilities of batch row i, head j
                heads.append(torch.mm(p, vs[i][j // rep]))
            rows.append(torch.cat(heads, dim=-1))
        return self.o(torch.stack(rows))

    def forward_export(self, x, cos, sin, past_k, past_v, allowed):
        b, t, _ = x.shape
        q, k, v = self.project(x, cos, sin)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        rep = self.h // self.kv
        kk, vv = k, v
        if rep > 1:  # each KV head serves `rep` query heads (expand + reshape exports cleanly; repeat_interleave doesn't)
            kk = k[:, :, None].expand(-1, -1, rep, -1, -1).reshape(b, self.h, -1, self.hd)
            vv = v[:, :, None].expand(-1, -1, rep, -1, -1).reshape(b, self.h, -1, self.hd)
        s = torch.matmul(q, kk.transpose(2, 3)) * (1.0 / math.sqrt(self.hd))
        s = s.masked_fill(~allowed, torch.finfo(s.dtype).min)
        p = torch.softmax(s, dim=-1)
        y = torch.matmul(p, vv).transpose(1, 2).reshape(b, t, self.h * self.hd)
        return self.o(y), k, v


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, f = cfg["d"], cfg["ffn"]
        self.gelu = cfg["layout"] == "gpt2"
        if self.gelu:
            self.fc = nn.Linear(d, f)
            self.proj = nn.Linear(f, d)
        else:
            self.gate = nn.Linear(d, f, bias=False)
            self.up = nn.Linear(d, f, bias=False)
            self.down = nn.Linear(f, d, bias=False)

    def forward(self, x):
        if self.gelu:
            return self.proj(F.gelu(self.fc(x), approximate="tanh"))
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm1, self.attn, self.norm2, self.mlp = norm(cfg), Attention(cfg), norm(cfg), MLP(cfg)


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg["vocab"], cfg["d"])
        if cfg["layout"] == "gpt2":
            self.wpe = nn.Embedding(cfg["ctx"], cfg["d"])
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["layers"]))
        self.norm = norm(cfg)
        hd = cfg["head_dim"]
        self.register_buffer(
            "inv_freq", 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2).float() / hd)), persistent=False
        )
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith(("o.weight", "down.weight", "proj.weight")):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg["layers"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def rotary(self, position_ids):
        freqs = position_ids.to(torch.float32)[..., None] * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[:, None], emb.sin()[:, None]  # [b, 1, t, hd]

    def embed_tokens(self, input_ids, position_ids):
        x = self.embed(input_ids)
        if self.cfg["layout"] == "gpt2":
            x = x + self.wpe(position_ids)
        return x

    def logits(self, x):
        return F.linear(self.norm(x), self.embed.weight)  # tied: the embedding matrix is the LM head

    def forward(self, input_ids, capture=None):
        """Training forward over [b, t] ids; returns logits [b, t, vocab]. `capture` collects attention maps."""
        b, t = input_ids.shape
        pos = torch.arange(t)[None].expand(b, t)
        cos, sin = self.rotary(pos)
        causal = torch.full((t, t), float("-inf")).triu(1)
        x = self.embed_tokens(input_ids, pos)
        for blk in self.blocks:
            x = x + blk.attn.forward_train(blk.norm1(x), cos, sin, causal, capture)
            x = x + blk.mlp(blk.norm2(x))
        return self.logits(x)


class OnnxWrapper(nn.Module):
    """The exported signature: input_ids, attention_mask, [position_ids], past_key_values.* -> logits, present.*"""

    def __init__(self, model):
        super().__init__()
        self.m = model
        self.with_position_ids = model.cfg["layout"] != "gpt2"

    def forward(self, input_ids, attention_mask, *rest):
        m = self.m
        if self.with_position_ids:
            position_ids, past = rest[0], rest[1:]
        else:
            past = rest
        q_len = input_ids.shape[1]
        total = attention_mask.shape[1]
        past_len = total - q_len
        if not self.with_position_ids:
            position_ids = (torch.arange(q_len) + past_len)[None].expand_as(input_ids)
        key_pos = torch.arange(total)
        query_pos = torch.arange(q_len) + past_len
        allowed = (key_pos[None, :] <= query_pos[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
        cos, sin = m.rotary(position_ids)
        x = m.embed_tokens(input_ids, position_ids)
        presents = []
        for i, blk in enumerate(m.blocks):
            a, k, v = blk.attn.forward_export(blk.norm1(x), cos, sin, past[2 * i], past[2 * i + 1], allowed)
            presents += [k, v]
            x = x + a
            x = x + blk.mlp(blk.norm2(x))
        return (m.logits(x), *presents)
