"""The PyTorch twins of VaeGpu's models, shared by the peers (torch_vae.py on any device, torch_vae_cpu.py).

Both return the per-example reconstruction NLL (Bernoulli: BCE-with-logits summed over pixels) and the
closed-form KL(q(z|x) || N(0, I)); the training loss of a batch is the mean over its rows of their sum, as
VaeGpu's. Parameters keep PyTorch's default initialization, the one VaeGpu copies (fan-in uniform bounds).

- "mlp": pixels - hidden - 2*latent | latent - hidden - pixels, ReLU (VaeGpu's default model).
- "conv": per entry c of the channel list a Conv2d(k=4, stride 2, padding 1) + ReLU, flatten, one linear head
  of 2*latent; a linear latent -> c_last*h*w + ReLU, then per entry in reverse a ConvTranspose2d(k=4, stride 2,
  padding 1) + ReLU, the last one to the image channels giving the logits. output_padding gives each
  transposed convolution the size of the encoder input at its depth, as VaeGpu's adjoint layers do (28 -> 14 ->
  7 needs none). PyTorch is NCHW where VaeGpu is NHWC; that permutes the flattened features, which changes
  neither the function class nor the init's distribution. norm "batch" puts a BatchNorm2d after every hidden
  convolution, before its ReLU (VaeGpu's Model:Norm = batch); model.eval() then uses its running statistics.
"""
import torch
import torch.nn.functional as F


def halved(size, kernel=4, stride=2, padding=1):
    return (size + 2 * padding - kernel) // stride + 1


class MlpVae(torch.nn.Module):
    def __init__(self, pixels=784, hidden=400, latent=20):
        super().__init__()
        self.latent = latent
        self.enc = torch.nn.Linear(pixels, hidden)
        self.head = torch.nn.Linear(hidden, 2 * latent)
        self.dec = torch.nn.Linear(latent, hidden)
        self.out = torch.nn.Linear(hidden, pixels)

    def encode(self, x):
        return self.head(F.relu(self.enc(x))).split(self.latent, dim=1)

    def decode(self, z):
        return self.out(F.relu(self.dec(z)))

    def forward(self, x):
        return losses(self, x)


class ConvVae(torch.nn.Module):
    def __init__(self, height=28, width=28, image_channels=1, channels=(32, 64), latent=20, norm="none"):
        super().__init__()
        self.latent = latent
        self.image = (image_channels, height, width)
        sizes = [(height, width)]
        for _ in channels:
            h, w = sizes[-1]
            sizes.append((halved(h), halved(w)))
        if min(sizes[-1]) < 1:
            raise SystemExit(f"torch_models: {height}x{width} images do not take {len(channels)} halvings")
        self.sizes = sizes
        widths = [image_channels] + list(channels)
        self.convs = torch.nn.ModuleList(
            torch.nn.Conv2d(widths[i], widths[i + 1], 4, 2, 1) for i in range(len(channels)))
        h, w = sizes[-1]
        self.flat = channels[-1] * h * w
        self.head = torch.nn.Linear(self.flat, 2 * latent)
        self.dec = torch.nn.Linear(latent, self.flat)
        deconvs = []
        for i in reversed(range(len(channels))):
            (big_h, big_w), (small_h, small_w) = sizes[i], sizes[i + 1]
            padding = (big_h - 2 * small_h, big_w - 2 * small_w)
            deconvs.append(torch.nn.ConvTranspose2d(widths[i + 1], widths[i], 4, 2, 1, output_padding=padding))
        self.deconvs = torch.nn.ModuleList(deconvs)
        # norm "batch": a BatchNorm2d after every hidden convolution, before its ReLU (VaeGpu's Model:Norm = batch).
        hidden = lambda c: torch.nn.BatchNorm2d(c) if norm == "batch" else torch.nn.Identity()
        self.norms = torch.nn.ModuleList(hidden(c) for c in channels)
        self.denorms = torch.nn.ModuleList(hidden(widths[i]) for i in reversed(range(1, len(channels))))

    def encode(self, x):
        h = x.view(x.shape[0], *self.image)
        for conv, norm in zip(self.convs, self.norms):
            h = F.relu(norm(conv(h)))
        return self.head(h.flatten(1)).split(self.latent, dim=1)

    def decode(self, z):
        h = F.relu(self.dec(z)).view(z.shape[0], self.convs[-1].out_channels, *self.sizes[-1])
        for i, deconv in enumerate(self.deconvs):
            h = deconv(h)
            if i + 1 < len(self.deconvs):
                h = F.relu(self.denorms[i](h))
        return h.flatten(1)

    def forward(self, x):
        return losses(self, x)


def losses(model, x):
    mu, logvar = model.encode(x)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    logits = model.decode(z)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
    return recon, kl


def build(arch, channels="32,64", hidden=400, latent=20, height=28, width=28, image_channels=1, norm="none"):
    if arch == "mlp":
        return MlpVae(height * width * image_channels, hidden, latent)
    return ConvVae(height, width, image_channels, tuple(int(c) for c in channels.split(",")), latent, norm)
