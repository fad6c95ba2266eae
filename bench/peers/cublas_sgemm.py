"""cuBLAS SGEMM through PyTorch at the `bench` verb's LinearForward shapes, TF32 off: the ceiling that
VaeGpu's CUDA GEMM is measured against. Prints one line per shape: GFLOP/s (best and median of 50)."""
import argparse
import statistics
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--repeats", type=int, default=50)
args = parser.parse_args()
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
device = torch.device("cuda")
print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, TF32 off")
for rows, inputs, outputs in [(128, 784, 400), (4096, 1024, 1024), (1024, 784, 400), (128, 400, 784)]:
    x = torch.randn(rows, inputs, device=device)
    w = torch.randn(outputs, inputs, device=device)
    b = torch.randn(outputs, device=device)
    for _ in range(5):
        torch.addmm(b, x, w.t())
    torch.cuda.synchronize()
    times = []
    for _ in range(args.repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        torch.addmm(b, x, w.t())
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1000.0)
    flops = 2.0 * rows * inputs * outputs
    print(f"sgemm {rows}x{inputs}->{outputs}: {flops / min(times) / 1e9:.1f} GFLOP/s best, "
          f"{flops / statistics.median(times) / 1e9:.1f} median ({min(times) * 1e6:.1f} us best)")
