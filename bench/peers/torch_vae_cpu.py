#!/usr/bin/python3
"""PyTorch peer for `vaegpu bench`: a VaeGpu model (torch_models.py) trained the plain PyTorch way, on the CPU.

Same model (default: 784-400-20-400-784, ReLU, one encoder head of 2x20 outputs; `--arch conv`: the
convolutional model with `--channels 32,64`; Bernoulli likelihood with BCE from logits summed over pixels,
closed-form KL, loss = batch mean of recon + KL), PyTorch's default init (the one VaeGpu copies), Adam(lr=1e-3), batch 128, Fashion-MNIST train
images held as one float tensor in memory (no DataLoader), a fresh permutation per pass,
torch.set_num_threads(2). Prints one JSON line: training samples/s over the timed window.

Run with Debian's interpreter (python3-torch is PyTorch 1.13 with OpenBLAS):
    /usr/bin/python3 bench/peers/torch_vae_cpu.py --seconds 10
"""
import argparse, gzip, json, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402  (the models, shared with torch_vae.py)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIRS = ["/usr/share/datasets/fashion-mnist", os.path.join(HERE, "..", "..", "data", "fashion-mnist")]


def load_images():
    for directory in DATA_DIRS:
        for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
            path = os.path.join(directory, name)
            if os.path.exists(path):
                with gzip.open(path, "rb") as f:
                    raw = f.read()
                count = int.from_bytes(raw[4:8], "big")
                pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, 784)
                return torch.from_numpy(pixels.astype(np.float32) / 255.0), path
    sys.exit("no Fashion-MNIST images found in " + ", ".join(DATA_DIRS))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="timed window (after a warm-up)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=400)
    parser.add_argument("--arch", choices=["mlp", "conv"], default="mlp")
    parser.add_argument("--channels", default="32,64", help="conv: the encoder's channel list")
    parser.add_argument("--norm", choices=["none", "batch"], default="none", help="conv: BatchNorm2d after each hidden convolution")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    data, path = load_images()
    model = torch_models.build(args.arch, args.channels, hidden=args.hidden, norm=args.norm)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = args.batch_size
    n = data.shape[0] // batch * batch

    def step(x):
        recon, kl = model(x)
        loss = (recon + kl).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def batches():
        while True:
            order = torch.randperm(data.shape[0])[:n]
            for start in range(0, n, batch):
                yield data.index_select(0, order[start : start + batch])

    source = batches()
    warm_until = time.perf_counter() + min(2.0, args.seconds / 4)
    while time.perf_counter() < warm_until:
        step(next(source))
    steps, start = 0, time.perf_counter()
    while True:
        step(next(source))
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds:
            break
    print(json.dumps({
        "peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "batch": batch, "arch": args.arch,
        "channels": args.channels if args.arch == "conv" else None, "hidden": args.hidden, "steps": steps, "seconds": round(elapsed, 3),
        "samples_per_s": round(steps * batch / elapsed, 1), "step_ms": round(1000 * elapsed / steps, 4),
        "data": path,
    }))


if __name__ == "__main__":
    main()
