#!/usr/bin/env python3
"""The PyTorch peer of VaeGpu's models (torch_models.py), for side-by-side timings and fidelity (bench/GPU.md).

Same model and training as `VaeGpu.Cli train` with its defaults: 784-400-20-400-784, ReLU, one
encoder head of 2*20 outputs (mu, logvar), Bernoulli likelihood as BCE-with-logits summed over
pixels, KL(q || N(0, I)) in closed form, Adam(lr 1e-3), the loss of a batch = mean over its rows
of (recon + KL). The data set lives on the GPU as one uint8 tensor, batches are gathered with a
torch.randperm permutation per epoch and scaled by 1/255 on the device: no DataLoader, no host
copies per step. Modes: "eager", and "compile" = torch.compile(mode="reduce-overhead") of the
whole training step (CUDA graphs under the hood; the last, shorter batch of an epoch is dropped
so that every step has the same shape).

`--arch conv` trains the convolutional model (`--channels 32,64`); `--device cpu` runs on the CPU (the
conv fidelity run of bench/RESULTS.md: Debian's /usr/bin/python3 with python3-torch).

Prints one line per epoch: epoch, seconds of the training pass (synchronized), samples/s,
train -ELBO (mean per example) and test -ELBO (sampled z, as VaeGpu's metrics.csv reports it).
"""
import argparse
import gzip
import os
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402  (the models, shared with torch_vae_cpu.py)


def read_idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise SystemExit(f"{path}: not an IDX image file (magic {magic})")
        data = f.read(count * rows * cols)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).view(count, rows * cols)


def find(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f"{os.path.join(directory, name)}: not found (nor .gz)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="folder with the Fashion-MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--mode", choices=["eager", "compile"], default="eager")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--arch", choices=["mlp", "conv"], default="mlp")
    parser.add_argument("--channels", default="32,64", help="conv: the encoder's channel list")
    parser.add_argument("--norm", choices=["none", "batch"], default="none", help="conv: BatchNorm2d after each hidden convolution")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--threads", type=int, default=0, help="cpu: torch.set_num_threads (0: PyTorch's default)")
    args = parser.parse_args()

    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("torch_vae.py: CUDA is not available to PyTorch")
    device = torch.device(args.device)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train = read_idx_images(find(args.data, "train-images-idx3-ubyte")).to(device)
    test = read_idx_images(find(args.data, "t10k-images-idx3-ubyte")).to(device)
    where = (f"CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}" if args.device == "cuda"
             else f"cpu, {torch.get_num_threads()} threads")
    print(f"torch {torch.__version__}, {where}; arch {args.arch}"
          f"{' ' + args.channels if args.arch == 'conv' else ''}, mode {args.mode}, batch {args.batch_size}, "
          f"seed {args.seed}, train {train.shape[0]}, test {test.shape[0]}", flush=True)

    model = torch_models.build(args.arch, args.channels, norm=args.norm).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    def step(x):
        recon, kl = model(x)
        loss = (recon + kl).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return (recon + kl).sum().detach()

    if args.mode == "compile":
        step = torch.compile(step, mode="reduce-overhead")

    @torch.no_grad()
    def evaluate():
        total = torch.zeros((), device=device)
        for start in range(0, test.shape[0], 1000):
            x = test[start:start + 1000].float().div_(255)
            recon, kl = model(x)
            total += (recon + kl).sum()
        return total.item() / test.shape[0]

    def synchronize():
        if args.device == "cuda":
            torch.cuda.synchronize()

    batch = args.batch_size
    full_batches = train.shape[0] // batch
    # compile: fixed shapes only (the last, shorter batch is dropped); eager keeps it, as VaeGpu does.
    ends = [(i * batch, (i + 1) * batch) for i in range(full_batches)]
    if args.mode == "eager" and train.shape[0] % batch:
        ends.append((full_batches * batch, train.shape[0]))
    examples = sum(e - s for s, e in ends)

    print("epoch,seconds,samples_per_s,train_loss,test_loss", flush=True)
    for epoch in range(1, args.epochs + 1):
        model.train()
        permutation = torch.randperm(train.shape[0], device=device)
        synchronize()
        started = time.perf_counter()
        total = torch.zeros((), device=device)
        for s, e in ends:
            x = train[permutation[s:e]].float().div_(255)
            total += step(x)
        synchronize()
        seconds = time.perf_counter() - started
        train_loss = total.item() / examples
        model.eval()
        test_loss = evaluate()
        print(f"{epoch},{seconds:.3f},{examples / seconds:.0f},{train_loss:.2f},{test_loss:.2f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
