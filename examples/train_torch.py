"""Train a small classifier on a hangar commit: the README's ten lines, with names as arguments.

    python3 examples/train_torch.py REPO [IMAGES_COLUMN] [LABELS_COLUMN] [REF] [EPOCHS]

The labels column is the one `hangar import IMAGES_COLUMN FOLDER --labels LABELS_COLUMN` made
(class ids, with the class folder names in its `classes` attribute). Prints the mean loss of
every epoch; it falls as the model learns.
"""
import math
import sys

import torch

import hangar


def main(path: str, images: str = "images", labels: str = "labels", ref: str = "HEAD",
         epochs: int = 3) -> None:
    co = hangar.Repository(path).checkout(ref)
    classes = co[labels].attributes["classes"].split("\n")
    ds = hangar.torch.Dataset(path, columns=(images, labels), ref=co.commit)
    model = torch.nn.Sequential(torch.nn.Flatten(),
                                torch.nn.Linear(math.prod(co[images].shape), len(classes)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    torch.manual_seed(0)
    for epoch in range(epochs):
        total, batches = 0.0, 0
        for x, y in ds.loader(batch_size=16, shuffle=True, num_workers=2, seed=epoch):
            loss = torch.nn.functional.cross_entropy(model(x.float() / 255), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        print(f"epoch {epoch + 1}: {len(ds)} samples of {len(classes)} classes, "
              f"mean loss {total / batches:.3f}")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) > 1 else 2)
    args = sys.argv[1:]
    main(*args[:4], *(int(a) for a in args[4:5]))
