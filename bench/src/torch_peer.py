"""PyTorch peer for `pnpm bench`: times one workload in this process and prints JSON.

Run by bench/src/torch.ts with Debian's /usr/bin/python3 (torch 1.13) when it is importable;
the bench says when it is absent. Usage: torch_peer.py WORKLOAD THREADS SECONDS
WORKLOAD: matmul512 | matmul1024 | conv | resnet20-infer | resnet20-train
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class PadShortcut(nn.Module):
    """He et al.'s option A: subsample by 2 and zero-pad the new channels."""

    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = PadShortcut(cout) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


def resnet20():
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for cout, stride in ((16, 1), (32, 2), (64, 2)):
        for i in range(3):
            layers.append(Block(cin, cout, stride if i == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def main():
    workload, threads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if workload.startswith("matmul"):
        n = int(workload[len("matmul"):])
        a, b = torch.randn(n, n), torch.randn(n, n)
        step = lambda: torch.mm(a, b)
    elif workload == "conv":
        x = torch.randn(32, 64, 16, 16, requires_grad=True)
        w = torch.randn(64, 64, 3, 3, requires_grad=True)
        dy = torch.randn(32, 64, 16, 16)

        def step():
            y = F.conv2d(x, w, padding=1)
            gx, gw = torch.autograd.grad(y, (x, w), dy)
            return gx, gw
    else:
        model = resnet20()
        x = torch.randn(64, 3, 32, 32)
        y = torch.randint(0, 10, (64,))
        if workload == "resnet20-infer":
            model.eval()

            def step():
                with torch.no_grad():
                    return model(x)
        else:
            model.train()
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

            def step():
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                return loss
    for _ in range(2):
        step()
    walls, cpus = [], []
    start = time.perf_counter()
    while len(walls) < 3 or (time.perf_counter() - start < seconds and len(walls) < 200):
        c0, t0 = time.process_time(), time.perf_counter()
        step()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    walls.sort()
    cpus.sort()
    print(json.dumps({"wall": walls[len(walls) // 2], "cpu": cpus[len(cpus) // 2], "iterations": len(walls), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
