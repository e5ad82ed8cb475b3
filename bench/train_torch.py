"""PyTorch peer of bench/train.ts: the same llama model, weights, batch and optimizer settings.

    python3 bench/train_torch.py DIR full|lora STEPS THREADS

DIR holds weights.bin + weights.json (row-major float32 tensors by GGUF name, written by bench/train.ts) and
batch.bin + batch.json (int32 tokens and targets, float32 loss mask). Prints one JSON line: the median step time
after one warm-up step, the losses and the peak RSS. llama.cpp's math: RMSNorm, RoPE on adjacent pairs (GGUF's
layout), SwiGLU, tied head; AdamW(lr, betas 0.9/0.999, eps 1e-8, no weight decay), no clipping, as the TS side.
"""
import json
import math
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch

directory, mode, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)

manifest = json.load(open(os.path.join(directory, "weights.json")))
raw = np.fromfile(os.path.join(directory, "weights.bin"), dtype=np.float32)
weights = {t["name"]: torch.from_numpy(raw[t["offset"]:t["offset"] + int(np.prod(t["shape"]))].reshape(t["shape"]).copy()) for t in manifest["tensors"]}
cfg = manifest["config"]
batch_info = json.load(open(os.path.join(directory, "batch.json")))
batch_raw = np.fromfile(os.path.join(directory, "batch.bin"), dtype=np.int32)
B, T = batch_info["batchSize"], batch_info["length"]
tokens = torch.from_numpy(batch_raw[: B * T].reshape(B, T).astype(np.int64))
targets = torch.from_numpy(batch_raw[B * T: 2 * B * T].reshape(B, T).astype(np.int64))
mask = torch.from_numpy(batch_raw[2 * B * T: 3 * B * T].view(np.float32).reshape(B, T).copy())

d, heads, kv_heads = cfg["embeddingLength"], cfg["headCount"], cfg["headCountKv"]
hd = d // heads
half = hd // 2
theta = cfg["ropeFreqBase"] ** (-2.0 * torch.arange(half, dtype=torch.float64) / hd)
angles = torch.arange(T, dtype=torch.float64)[:, None] * theta[None, :]
cos = torch.cos(angles).float()[None, :, None, :]
sin = torch.sin(angles).float()[None, :, None, :]
causal = torch.ones(T, T, dtype=torch.bool).tril()


def rms_norm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + cfg["rmsNormEps"]) * w


def rope(x):
    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1).flatten(-2)


params = {name: torch.nn.Parameter(value, requires_grad=(mode == "full")) for name, value in weights.items()}
lora = {}
if mode == "lora":
    for layer in range(cfg["blockCount"]):
        for part in ("attn_q", "attn_v"):
            name = f"blk.{layer}.{part}.weight"
            out_dim, in_dim = params[name].shape
            bound = 1 / math.sqrt(in_dim)
            lora[name] = (torch.nn.Parameter(torch.empty(8, in_dim).uniform_(-bound, bound)), torch.nn.Parameter(torch.zeros(out_dim, 8)))
scale = 16 / 8


def linear(x, name):
    y = x @ params[name].t()
    if name in lora:
        a, b = lora[name]
        y = y + (x @ a.t()) @ b.t() * scale
    return y


def loss_fn():
    h = params["token_embd.weight"][tokens]
    for layer in range(cfg["blockCount"]):
        p = f"blk.{layer}."
        n = rms_norm(h, params[p + "attn_norm.weight"])
        q = rope(linear(n, p + "attn_q.weight").view(B, T, heads, hd))
        k = rope(linear(n, p + "attn_k.weight").view(B, T, kv_heads, hd))
        v = linear(n, p + "attn_v.weight").view(B, T, kv_heads, hd)
        k = k.repeat_interleave(heads // kv_heads, dim=2)
        v = v.repeat_interleave(heads // kv_heads, dim=2)
        scores = torch.einsum("blnh,bsnh->bnls", q, k) / math.sqrt(hd)
        scores = scores.masked_fill(~causal, float("-inf"))
        attended = torch.einsum("bnls,bsnh->blnh", scores.softmax(-1), v).reshape(B, T, d)
        h = h + linear(attended, p + "attn_output.weight")
        n = rms_norm(h, params[p + "ffn_norm.weight"])
        h = h + linear(torch.nn.functional.silu(linear(n, p + "ffn_gate.weight")) * linear(n, p + "ffn_up.weight"), p + "ffn_down.weight")
    h = rms_norm(h, params["output_norm.weight"])
    logits = h @ params["token_embd.weight"].t()
    nll = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1), reduction="none")
    return (nll * mask.view(-1)).sum() / mask.sum()


trainable = [p for p in params.values()] if mode == "full" else [t for pair in lora.values() for t in pair]
optimizer = torch.optim.AdamW(trainable, lr=batch_info["learningRate"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
losses, times = [], []
for step in range(steps):
    start = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn()
    loss.backward()
    optimizer.step()
    times.append(time.perf_counter() - start)
    losses.append(loss.item())
seconds = statistics.median(times[1:]) if len(times) > 1 else times[0]
print(json.dumps({
    "mode": mode,
    "threads": threads,
    "torch": torch.__version__,
    "seconds_per_step": seconds,
    "tokens_per_second": B * T / seconds,
    "losses": losses,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
