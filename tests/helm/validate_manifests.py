"""Validates every document of a rendered chart against the official Kubernetes schemas
(standalone-strict: unknown fields are errors). Usage: validate_manifests.py SCHEMAS RENDERED.
Prints `kind name path message` per error, then a count; exits 1 on any error or on a kind
without a schema."""
import glob
import json
import sys

import jsonschema
import yaml

root, path = sys.argv[1:3]
errors, checked = [], 0
for doc in yaml.safe_load_all(open(path)):
    if not doc:
        continue
    group, _, version = doc["apiVersion"].rpartition("/")
    pattern = "%s/*/%s-%s%s.json" % (root, doc["kind"].lower(), group.split(".")[0] + "-" if group else "", version)
    files = glob.glob(pattern)
    if not files:
        errors.append((doc["kind"], doc["metadata"]["name"], "", "no schema for this kind (%s)" % pattern))
        continue
    checked += 1
    for e in jsonschema.Draft7Validator(json.load(open(files[0]))).iter_errors(doc):
        errors.append((doc["kind"], doc["metadata"]["name"], ".".join(map(str, e.absolute_path)), e.message))
for e in errors:
    print(*e)
print("%d manifests, %s" % (checked, "OK" if not errors else "%d error(s)" % len(errors)))
sys.exit(1 if errors else 0)
