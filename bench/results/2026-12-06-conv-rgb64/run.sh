#!/bin/bash
# The conv model on a 64x64 RGB image folder (make-patches.py: 8,000 training crops from 25 KDE wallpapers, 1,000
# test crops from 5 others): channels 32,64,128 (64 -> 32 -> 16 -> 8), latent 32, batch 64, Adam 1e-3, 10 epochs,
# seed 1, on cpu; with and without BatchNorm, and the default MLP (400 hidden) on the same data for comparison.
cd "$(dirname "$0")/../../.."
CLI=src/VaeGpu.Cli/bin/Release/net10.0/VaeGpu.Cli.dll
DATA=${DATA:-/tmp/rgb64}
OUT=${OUT:-/tmp/rgb64-runs}
mkdir -p $OUT
if [ ! -d $DATA/train ]; then # the crops, from Debian's wallpapers package (make-patches.py)
  work=$(mktemp -d)
  (cd $work && apt-get download plasma-workspace-wallpapers >/dev/null && dpkg -x plasma-workspace-wallpapers_*.deb x)
  /usr/bin/python3 bench/results/2026-12-06-conv-rgb64/make-patches.py $work/x/usr/share/wallpapers $DATA
  rm -rf $work
fi
common="--device cpu --data $DATA/train --test $DATA/test --Data:Width=64 --Data:Height=64 --Data:Color=rgb --latent 32 --batch-size 64 --lr 0.001 --epochs 10 --seed 1 --overwrite"
for norm in none batch; do
  dotnet $CLI train $common --arch conv --channels 32,64,128 --norm $norm --out $OUT/conv-$norm > $OUT/conv-$norm.log 2>&1
done
dotnet $CLI train $common --arch mlp --out $OUT/mlp > $OUT/mlp.log 2>&1
CLI_RUN="dotnet $CLI"
$CLI_RUN sample --run $OUT/conv-batch --count 16 && $CLI_RUN reconstruct --run $OUT/conv-batch --count 8
echo finished > $OUT/done
