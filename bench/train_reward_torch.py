"""PyTorch peer of bench/train-reward.ts: the same llama model, head, pairs and optimizer, full fine-tuning.

    python3 bench/train_reward_torch.py DIR full STEPS THREADS

DIR holds weights.bin + weights.json (row-major float32 tensors by GGUF name), head.bin (float32 [d]) and pairs.bin +
pairs.json (int32 tokens, rows 2i chosen and 2i+1 rejected, every row LENGTH tokens). The reward is the head on the
final-norm hidden state of each row's last token; the loss is the mean over pairs of -log sigmoid(r_chosen -
r_rejected); AdamW(lr, betas 0.9/0.999, eps 1e-8, no weight decay), no clipping, as the TS side. Prints one JSON line.
"""
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch

directory, mode, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)

manifest = json.load(open(os.path.join(directory, "weights.json")))
raw = np.fromfile(os.path.join(directory, "weights.bin"), dtype=np.float32)
weights = {t["name"]: torch.from_numpy(raw[t["offset"]:t["offset"] + int(np.prod(t["shape"]))].reshape(t["shape"]).copy()) for t in manifest["tensors"]}
weights["cls.output.weight"] = torch.from_numpy(np.fromfile(os.path.join(directory, "head.bin"), dtype=np.float32).copy())
cfg = manifest["config"]
info = json.load(open(os.path.join(directory, "pairs.json")))
P, T = info["pairs"], info["length"]
B = 2 * P
tokens = torch.from_numpy(np.fromfile(os.path.join(directory, "pairs.bin"), dtype=np.int32).reshape(B, T).astype(np.int64))

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


params = {name: torch.nn.Parameter(value) for name, value in weights.items()}


def loss_fn():
    h = params["token_embd.weight"][tokens]
    for layer in range(cfg["blockCount"]):
        p = f"blk.{layer}."
        n = rms_norm(h, params[p + "attn_norm.weight"])
        q = rope((n @ params[p + "attn_q.weight"].t()).view(B, T, heads, hd))
        k = rope((n @ params[p + "attn_k.weight"].t()).view(B, T, kv_heads, hd)).repeat_interleave(heads // kv_heads, dim=2)
        v = (n @ params[p + "attn_v.weight"].t()).view(B, T, kv_heads, hd).repeat_interleave(heads // kv_heads, dim=2)
        scores = torch.einsum("blnh,bsnh->bnls", q, k) / math.sqrt(hd)
        attended = torch.einsum("bnls,bsnh->blnh", scores.masked_fill(~causal, float("-inf")).softmax(-1), v).reshape(B, T, d)
        h = h + attended @ params[p + "attn_output.weight"].t()
        n = rms_norm(h, params[p + "ffn_norm.weight"])
        gated = torch.nn.functional.silu(n @ params[p + "ffn_gate.weight"].t()) * (n @ params[p + "ffn_up.weight"].t())
        h = h + gated @ params[p + "ffn_down.weight"].t()
    last = rms_norm(h[:, -1, :], params["output_norm.weight"])
    rewards = (last @ params["cls.output.weight"]).view(P, 2)
    return torch.nn.functional.softplus(rewards[:, 1] - rewards[:, 0]).mean()


optimizer = torch.optim.AdamW(list(params.values()), lr=info["learningRate"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
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
print(json.dumps({"mode": mode, "torch": torch.__version__, "seconds_per_step": seconds, "tokens_per_second": B * T / seconds, "losses": losses}))
