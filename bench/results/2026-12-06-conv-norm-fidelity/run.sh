#!/bin/bash
# Conv fidelity with Model:Norm = batch: 1 epoch, Fashion-MNIST, channels 32,64, latent 20, batch 128, Adam 1e-3, seeds 1..3.
# VaeGpu on cpu (its default threads), PyTorch 1.13 on the CPU at 1 thread (its fastest count here), BatchNorm2d the same.
cd /work/main
CLI=src/VaeGpu.Cli/bin/Release/net10.0/VaeGpu.Cli.dll
OUT=${OUT:-/tmp/fidnorm}
mkdir -p $OUT
for seed in 1 2 3; do
  rm -rf $OUT/vaegpu-$seed
  dotnet $CLI train --device cpu --arch conv --channels 32,64 --norm batch --latent 20 --batch-size 128 --lr 0.001 --epochs 1 \
    --seed $seed --data /usr/share/datasets/fashion-mnist --out $OUT/vaegpu-$seed > $OUT/vaegpu-$seed.log 2>&1
  cp $OUT/vaegpu-$seed/metrics.csv $OUT/vaegpu-seed$seed-metrics.csv
  /usr/bin/python3 bench/peers/torch_vae.py --device cpu --threads 1 --arch conv --channels 32,64 --norm batch --epochs 1 --seed $seed \
    > $OUT/torch-seed$seed.log 2>&1
done
echo finished > $OUT/done
