import argparse, os, time

parser = argparse.ArgumentParser()
parser.add_argument("--data_url")
parser.add_argument("--train_url")
parser.add_argument("--epochs", type=int, default=3)
args, _ = parser.parse_known_args()
for epoch in range(1, args.epochs + 1):
    time.sleep(0.3)
    print(f"epoch {epoch}/{args.epochs}: loss={1 / (epoch + 1):.3f}", flush=True)
os.makedirs(args.train_url, exist_ok=True)
with open(os.path.join(args.train_url, "model.txt"), "w") as model:
    model.write("weights\n")
print("model saved", flush=True)
