"""Writes the chart's parameter table (helm/fulcrum/README.md) from values.yaml: every leaf
key with its default, described by the nearest `# --` comment above it or its section.
Usage: values_table.py helm/fulcrum [--check]. --check exits 1 when the README is stale."""
import json
import re
import sys

import yaml

chart = sys.argv[1]
lines = open(chart + "/values.yaml").read().splitlines()
values = yaml.safe_load("\n".join(lines))

# The `# -- text` comment (with its continuation lines) above each key, by its path.
notes, pending, stack = {}, [], []
for line in lines:
    stripped = line.strip()
    if stripped.startswith("# --"):
        pending = [stripped[4:].strip()]
        continue
    if stripped.startswith("#") and pending:
        pending.append(stripped[1:].strip())
        continue
    m = re.match(r"^( *)([A-Za-z0-9_]+):", line)
    if not m:
        continue
    depth = len(m.group(1)) // 2
    stack = stack[:depth] + [m.group(2)]
    if pending:
        notes[".".join(stack)] = " ".join(pending)
        pending = []
    inline = re.search(r"\s#\s(.+)$", line)
    if inline and ".".join(stack) not in notes:
        notes[".".join(stack)] = inline.group(1).strip()

rows = []
def walk(node, path):
    if isinstance(node, dict) and node and not path.endswith(("resources.default", "resources.orderRouter")):
        for k, v in node.items():
            walk(v, path + "." + k if path else k)
        return
    note, probe = "", path
    while probe and not note:
        note = notes.get(probe, "")
        probe = probe.rpartition(".")[0]
    rows.append("| `%s` | `%s` | %s |" % (path, json.dumps(node, ensure_ascii=False), note.replace("|", "\\|")))
walk(values, "")

text = ("# helm/fulcrum\n\nFulcrum's chart: see the repository README's Deploy section for the A/B workflow.\n\n"
        "## Parameters\n\nGenerated from `values.yaml` by `helm/tools/values_table.py helm/fulcrum`; a test fails when it is stale.\n\n"
        "| key | default | what |\n|---|---|---|\n" + "\n".join(rows) + "\n")
path = chart + "/README.md"
if "--check" in sys.argv:
    current = open(path).read() if __import__("os").path.exists(path) else ""
    if current != text:
        print(path + " is stale: run helm/tools/values_table.py " + chart)
        sys.exit(1)
    print("%s: %d parameters, up to date" % (path, len(rows)))
else:
    open(path, "w").write(text)
    print("wrote %s: %d parameters" % (path, len(rows)))
