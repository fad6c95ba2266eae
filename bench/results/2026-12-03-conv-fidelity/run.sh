#!/bin/bash
# Conv fidelity: 1 epoch, Fashion-MNIST, channels 32,64, latent 20, batch 128, Adam 1e-3, seeds 1..3, one thread each.
cd /work/main
CLI=src/VaeGpu.Cli/bin/Release/net10.0/VaeGpu.Cli.dll
for seed in 1 2 3; do
  rm -rf /tmp/fid/vaegpu-$seed
  dotnet $CLI train --device cpu --arch conv --channels 32,64 --latent 20 --batch-size 128 --lr 0.001 --epochs 1 \
    --seed $seed --data /usr/share/datasets/fashion-mnist --out /tmp/fid/vaegpu-$seed > /tmp/fid/vaegpu-$seed.log 2>&1
  /usr/bin/python3 bench/peers/torch_vae.py --device cpu --threads 1 --arch conv --channels 32,64 --epochs 1 --seed $seed \
    > /tmp/fid/torch-$seed.log 2>&1
done
echo finished > /tmp/fid/done
