"""A small CNN trained through hangar.torch.Dataset on an imported folder of labelled PNGs."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import hangar
import hangar.torch
from conftest import make_image_repo


def to_input(sample):
    img, label = sample
    return img.permute(2, 0, 1).to(torch.float32) / 255.0, label


class SmallCNN(nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


@pytest.fixture(scope="module")
def train_repo(tmp_path_factory):
    """3 classes x 20 PNGs of 32x32, class-dependent colour plus noise."""
    return make_image_repo(tmp_path_factory.mktemp("train"), per_class=20, size=32, seed=4)


def train(loader, epochs: int, seed: int = 0) -> tuple[list[float], SmallCNN]:
    torch.manual_seed(seed)
    model = SmallCNN(3)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses, model


def test_cnn_loss_falls(train_repo):
    """Batches of ds.loader() (uint8 HWC images, int64 labels) into a CNN: the loss falls and
    the model learns the classes."""
    torch.set_num_threads(2)
    ds = hangar.torch.Dataset(train_repo.path)
    assert len(ds) == 60
    img, label = ds[0]
    assert img.shape == (32, 32, 3) and img.dtype == torch.uint8 and label.dtype == torch.int64
    loader = ds.loader(batch_size=12, shuffle=True, seed=0)
    losses, model = train(ToInput(loader), epochs=4)
    assert len(losses) == 20
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    assert last < 0.7 * first, (first, last)
    # the model learned the classes: most training samples are now classified right
    with torch.no_grad():
        imgs, labels = ds[list(range(len(ds)))]
        acc = (model(imgs.permute(0, 3, 1, 2).float() / 255).argmax(1) == labels)
        acc = acc.float().mean().item()
    assert acc > 0.8, acc
    assert sorted(labels.tolist()) == [0] * 20 + [1] * 20 + [2] * 20


class ToInput:
    """Re-iterable: each epoch, the loader's batches as float NCHW."""

    def __init__(self, loader):
        self.loader = loader

    def __iter__(self):
        for imgs, labels in self.loader:
            yield imgs.permute(0, 3, 1, 2).float() / 255, labels


def test_cnn_with_a_transform(train_repo):
    """The same through a per-sample transform (the usual torchvision style)."""
    ds = hangar.torch.Dataset(train_repo.path, transform=to_input)
    x, y = ds[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    losses, _ = train(ds.loader(batch_size=12, shuffle=True, seed=0), epochs=2)
    assert np.mean(losses[-3:]) < np.mean(losses[:3])


def test_training_with_worker_processes(train_repo):
    ds = hangar.torch.Dataset(train_repo.path, transform=to_input)
    loader = ds.loader(batch_size=15, shuffle=True, seed=1, num_workers=2,
                       multiprocessing_context="fork", timeout=120)
    losses, _ = train(loader, epochs=3, seed=1)
    assert len(losses) == 12
    assert np.mean(losses[-4:]) < np.mean(losses[:4])


def test_make_torch_dataset_trains(train_repo):
    with hangar.Repository(train_repo.path) as repo, repo.checkout() as co:
        ds = hangar.torch.make_torch_dataset([co["images"], co["labels"]])
        loader = torch.utils.data.DataLoader(ds, batch_size=12, shuffle=True)
        torch.manual_seed(2)
        model = SmallCNN(3)
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        losses = []
        for _ in range(3):
            for img, label in loader:
                x = torch.as_tensor(np.asarray(img)).permute(0, 3, 1, 2).float() / 255
                loss = nn.functional.cross_entropy(model(x), torch.as_tensor(label))
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
        assert np.mean(losses[-5:]) < np.mean(losses[:5])
