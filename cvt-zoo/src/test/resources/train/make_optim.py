#!/usr/bin/python3
"""Reference fixtures for org.cvtzoo.zoo.train (optimisers, LR schedule, clipping, loss).

Run from this directory with torch 1.13 (Debian python3-torch):  /usr/bin/python3 make_optim.py
Everything is float32 and seeded; the files are small.

optim/names.txt      one line per parameter: name, decay flag (1/0), shape (torch layout);
                     every array below is the parameters flattened in this order and
                     concatenated (torch layout, C order)
optim/p0.npy         [N]     initial parameters
optim/grads.npy      [5, N]  the gradient given at each step
optim/adamw.npy      [5, N]  parameters after each step of torch.optim.AdamW
                             (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.05 for the
                             decay group, 0 for the no-decay group)
optim/adamw_big.npy  [5, N]  the same with lr 0.1, betas (0.8, 0.99), eps 1e-6, weight_decay 0.5:
                             lr * weight_decay large enough that applying the decay after the
                             Adam update instead of before it shows
optim/sgd.npy        [5, N]  torch.optim.SGD(lr 0.05, momentum 0.9, dampening 0, nesterov False,
                             weight_decay 1e-4 / 0 by group)
optim/sgd_nesterov.npy       the same with nesterov True
clip/{small,large,tiny}_g{0,1}.npy, clip/..._g{0,1}_clipped.npy, clip/norms.txt
                     torch.nn.utils.clip_grad_norm_ on two tensors, max_norm 1.0 (clips),
                     1e3 (does not clip), and the inputs times 1e-3 with max_norm 1e-4;
                     norms.txt: label, max_norm, returned total norm
ce/logits.npy [6, 5], ce/labels.npy [6] (as float), ce/loss.txt: smoothing, F.cross_entropy
schedule/lr.txt      the LR schedule, computed here by hand (timm is not installed, and this
                     script does not use it): columns config, step, lr; see lr() below
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 5


def out(*parts):
    path = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def save(arr, *parts):
    np.save(out(*parts), np.ascontiguousarray(arr, dtype=np.float32))


def decays(name, shape):
    """The no-decay rule of DecayRule.of(the family's groups), restated: rank <= 1, biases, tokens,
    position embeddings and layer-scale gammas are not decayed."""
    last = name.rsplit('.', 1)[-1]
    if len(shape) <= 1 or last == 'bias':
        return False
    if last in ('cls_token', 'pos_embed', 'dist_token') or last.startswith('gamma'):
        return False
    return True


# name, shape, gradient scale (qkv gets tiny gradients so that eps matters in AdamW)
PARAMS = [
    ('patch_embed.proj.weight', (8, 3, 2, 2), 1.0),
    ('pos_embed', (1, 5, 8), 0.5),
    ('stage2.cls_token', (1, 1, 8), 2.0),
    ('blocks.0.norm1.weight', (8,), 1.0),
    ('blocks.0.attn.qkv.weight', (24, 8), 3e-8),
    ('blocks.3.gamma_1', (8,), 0.3),
    ('stage1.blocks.0.attn.conv_proj_q.bn.weight', (8,), 1.0),
    ('head.weight', (10, 8), 1.5),
    ('head.bias', (10,), 1.0),
]


def make_params():
    g = torch.Generator().manual_seed(1234)
    return [torch.randn(shape, generator=g, dtype=torch.float32) * (0.5 + i * 0.25)
            for i, (_, shape, _) in enumerate(PARAMS)]


def make_grads():
    g = torch.Generator().manual_seed(99)
    return [[torch.randn(shape, generator=g, dtype=torch.float32) * scale
             for (_, shape, scale) in PARAMS] for _ in range(STEPS)]


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors]).numpy()


def run(make_opt, grads):
    params = [torch.nn.Parameter(p) for p in make_params()]
    decay = [p for p, (n, s, _) in zip(params, PARAMS) if decays(n, s)]
    no_decay = [p for p, (n, s, _) in zip(params, PARAMS) if not decays(n, s)]
    opt = make_opt(decay, no_decay)
    after = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g.clone()
        opt.step()
        after.append(flat(params))
    return np.stack(after)


def optim_fixtures():
    with open(out('optim', 'names.txt'), 'w') as f:
        for name, shape, _ in PARAMS:
            f.write('%s %d %s\n' % (name, int(decays(name, shape)), ','.join(map(str, shape))))
    grads = make_grads()
    save(flat(make_params()), 'optim', 'p0.npy')
    save(np.stack([flat(g) for g in grads]), 'optim', 'grads.npy')
    save(run(lambda d, nd: torch.optim.AdamW(
        [{'params': d, 'weight_decay': 0.05}, {'params': nd, 'weight_decay': 0.0}],
        lr=1e-3, betas=(0.9, 0.999), eps=1e-8, foreach=False), grads), 'optim', 'adamw.npy')
    save(run(lambda d, nd: torch.optim.AdamW(
        [{'params': d, 'weight_decay': 0.5}, {'params': nd, 'weight_decay': 0.0}],
        lr=0.1, betas=(0.8, 0.99), eps=1e-6, foreach=False), grads), 'optim', 'adamw_big.npy')
    for nesterov, fname in ((False, 'sgd.npy'), (True, 'sgd_nesterov.npy')):
        save(run(lambda d, nd: torch.optim.SGD(
            [{'params': d, 'weight_decay': 1e-4}, {'params': nd, 'weight_decay': 0.0}],
            lr=0.05, momentum=0.9, dampening=0, nesterov=nesterov, foreach=False), grads),
            'optim', fname)


def clip_fixtures():
    g = torch.Generator().manual_seed(7)
    base = [torch.randn((4, 3), generator=g), torch.randn((5,), generator=g) * 0.1]
    lines = []
    # 'tiny' has a total norm of ~3e-3, where the 1e-6 in max_norm / (total + 1e-6) shows
    for label, scale, max_norm in (('small', 1.0, 1.0), ('large', 1.0, 1e3), ('tiny', 1e-3, 1e-4)):
        grads = [t * scale for t in base]
        for i, t in enumerate(grads):
            save(t.numpy(), 'clip', '%s_g%d.npy' % (label, i))
        ps = [torch.nn.Parameter(torch.zeros_like(t)) for t in grads]
        for p, t in zip(ps, grads):
            p.grad = t.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        lines.append('%s %r %.9e\n' % (label, max_norm, total.item()))
        for i, p in enumerate(ps):
            save(p.grad.numpy(), 'clip', '%s_g%d_clipped.npy' % (label, i))
    with open(out('clip', 'norms.txt'), 'w') as f:
        f.writelines(lines)


def ce_fixtures():
    g = torch.Generator().manual_seed(5)
    logits = torch.randn((6, 5), generator=g) * 3.0
    labels = torch.tensor([0, 4, 2, 2, 1, 3])
    save(logits.numpy(), 'ce', 'logits.npy')
    save(labels.numpy(), 'ce', 'labels.npy')
    with open(out('ce', 'loss.txt'), 'w') as f:
        for s in (0.0, 0.1):
            f.write('%r %.9e\n' % (s, F.cross_entropy(logits, labels, label_smoothing=s).item()))


def lr(step, base, warmup_lr, warmup_steps, min_lr, total, prefix):
    """timm CosineLRScheduler semantics (cycle_limit 1, no k-decay, no noise), per step:
    warm-up: warmup_lr + step * (base - warmup_lr) / warmup_steps   for step < warmup_steps
    then     t = step (- warmup_steps if prefix), T = total (- warmup_steps if prefix)
             min_lr + 0.5 * (base - min_lr) * (1 + cos(pi * t / T))   for t < T, else min_lr"""
    if step < warmup_steps:
        return warmup_lr + step * (base - warmup_lr) / warmup_steps
    t, T = (step - warmup_steps, total - warmup_steps) if prefix else (step, total)
    if t >= T:
        return min_lr
    return min_lr + 0.5 * (base - min_lr) * (1 + math.cos(math.pi * t / T))


CONFIGS = {
    'timm': dict(base=5e-4, warmup_lr=1e-6, warmup_steps=5, min_lr=1e-5, total=30, prefix=False),
    'prefix': dict(base=5e-4, warmup_lr=1e-6, warmup_steps=5, min_lr=1e-5, total=30, prefix=True),
    'nowarmup': dict(base=0.1, warmup_lr=0.0, warmup_steps=0, min_lr=0.0, total=17, prefix=False),
}


def schedule_fixtures():
    with open(out('schedule', 'lr.txt'), 'w') as f:
        for name, c in CONFIGS.items():
            for step in range(c['total'] + 4):
                f.write('%s %d %.17g\n' % (name, step, lr(step, **c)))


if __name__ == '__main__':
    torch.set_num_threads(1)
    optim_fixtures()
    clip_fixtures()
    ce_fixtures()
    schedule_fixtures()
