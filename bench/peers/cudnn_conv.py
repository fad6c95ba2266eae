"""cuDNN's convolutions through PyTorch at the default conv model's layer shapes (batch 128, 28x28x1, channels
32,64: Conv2d 1->32 and 32->64, ConvTranspose2d 64->32 and 32->1, kernel 4, stride 2, padding 1), TF32 off: the
yardstick for VaeGpu's conv kernels on the GPU (`bench --kernels --device cuda` lists ours at the same shapes).
Per layer: forward, backward data and backward weights, GFLOP/s counted as ours are (2 * outputs * taps, the
convolution's connections), best and median of --repeats, timed with CUDA events. --device cpu runs the same
loop on the CPU (wall clock) to check the script without a GPU.

    python3 bench/peers/cudnn_conv.py [--device cuda|cpu] [--repeats 50]
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cuda")
parser.add_argument("--repeats", type=int, default=50)
parser.add_argument("--batch", type=int, default=128)
args = parser.parse_args()
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True  # cuDNN at its best algorithm per shape
device = torch.device(args.device)
cuda = device.type == "cuda"
name = torch.cuda.get_device_name(0) if cuda else "cpu"
print(f"device: {name}, torch {torch.__version__}, cudnn {torch.backends.cudnn.version() if cuda else '-'}, TF32 off")

# (layer, transposed, large H=W, large channels, small channels): the large image is the Conv2d's input.
LAYERS = [("encoder.conv0", False, 28, 1, 32), ("encoder.conv1", False, 14, 32, 64),
          ("decoder.conv0", True, 14, 32, 64), ("output", True, 28, 1, 32)]


def timed(fn):
    for _ in range(5):
        fn()
    if cuda:
        torch.cuda.synchronize()
    times = []
    for _ in range(args.repeats):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / 1000.0)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


for layer, transposed, size, large_c, small_c in LAYERS:
    n, small = args.batch, size // 2
    large_x = torch.randn(n, large_c, size, size, device=device)
    small_x = torch.randn(n, small_c, small, small, device=device)
    # nn.Conv2d(large_c, small_c) weights [small_c, large_c, 4, 4]; nn.ConvTranspose2d(small_c, large_c) the same tensor shape.
    w = torch.randn(small_c, large_c, 4, 4, device=device) * 0.05
    flops = 2.0 * n * small * small * small_c * large_c * 16
    if transposed:
        forward = lambda: F.conv_transpose2d(small_x, w, stride=2, padding=1)
        data = lambda: F.conv2d(large_x, w, stride=2, padding=1)  # its dx: the Conv2d of dy
        weights = lambda: torch.nn.grad.conv2d_weight(large_x, w.shape, small_x, stride=2, padding=1)
    else:
        forward = lambda: F.conv2d(large_x, w, stride=2, padding=1)
        data = lambda: torch.nn.grad.conv2d_input(large_x.shape, w, small_x, stride=2, padding=1)
        weights = lambda: torch.nn.grad.conv2d_weight(large_x, w.shape, small_x, stride=2, padding=1)
    for op, fn in (("forward", forward), ("backward data", data), ("backward weights", weights)):
        best, median = timed(fn)
        print(f"{layer:14} {op:17} {flops / best / 1e9:8.1f} GFLOP/s best, {flops / median / 1e9:8.1f} median "
              f"({best * 1e6:.1f} us best)")
