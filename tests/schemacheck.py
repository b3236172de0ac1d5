#!/usr/bin/env python3
"""schemacheck.py SCHEMA FILE... — validate JSON files against a JSON Schema.

The subset of draft 2020-12 that docs/schema/*.json use (type, enum, oneOf,
$ref within a file or to a sibling file, properties, required,
additionalProperties, propertyNames, min/maxProperties, items, min/maxItems,
uniqueItems, pattern, min/maxLength, minimum, maximum), so the test needs
only Debian's python3, no jsonschema package. Prints one line per invalid
file (FILE: JSON-PATH: what failed) and exits 1 if any is; 0 otherwise."""
import json
import os
import re
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
}


class Checker:
    def __init__(self, path):
        self.dir = os.path.dirname(os.path.abspath(path))
        self.docs = {}
        self.root = self.load(os.path.basename(path))

    def load(self, name):
        if name not in self.docs:
            with open(os.path.join(self.dir, name)) as f:
                self.docs[name] = json.load(f)
        return self.docs[name]

    def resolve(self, ref, doc):
        name, _, frag = ref.partition("#")
        node = self.load(name) if name else doc
        base = node
        for part in [p for p in frag.split("/") if p]:
            node = node[part]
        return node, base

    def check(self, s, v, where, doc):
        """Yield 'PATH: message' for each violation of schema s by v."""
        if s is True:
            return
        if s is False:
            yield f"{where}: not allowed"
            return
        if "$ref" in s:
            target, base = self.resolve(s["$ref"], doc)
            yield from self.check(target, v, where, base)
        if "type" in s and not TYPES[s["type"]](v):
            yield f"{where}: expected {s['type']}, found {json.dumps(v)[:40]}"
            return
        if "enum" in s and v not in s["enum"]:
            yield f"{where}: expected one of {s['enum']}, found {json.dumps(v)[:40]}"
        if "oneOf" in s:
            ok = [sub for sub in s["oneOf"] if not list(self.check(sub, v, where, doc))]
            if len(ok) != 1:
                yield f"{where}: expected exactly one alternative of oneOf, {len(ok)} match"
        if isinstance(v, str):
            if len(v) < s.get("minLength", 0) or len(v) > s.get("maxLength", 1 << 60):
                yield f"{where}: string length {len(v)} out of range"
            if "pattern" in s and not re.search(s["pattern"], v):
                yield f"{where}: {v!r} does not match {s['pattern']}"
        if TYPES["number"](v):
            if "minimum" in s and v < s["minimum"]:
                yield f"{where}: {v} below the minimum {s['minimum']}"
            if "maximum" in s and v > s["maximum"]:
                yield f"{where}: {v} above the maximum {s['maximum']}"
        if isinstance(v, list):
            if len(v) < s.get("minItems", 0) or len(v) > s.get("maxItems", 1 << 60):
                yield f"{where}: {len(v)} items out of range"
            if s.get("uniqueItems") and len({json.dumps(x) for x in v}) != len(v):
                yield f"{where}: items not unique"
            if "items" in s:
                for i, x in enumerate(v):
                    yield from self.check(s["items"], x, f"{where}[{i}]", doc)
        if isinstance(v, dict):
            props = s.get("properties", {})
            for k in s.get("required", []):
                if k not in v:
                    yield f"{where}: required key {k!r} missing"
            if len(v) < s.get("minProperties", 0) or len(v) > s.get("maxProperties", 1 << 60):
                yield f"{where}: {len(v)} keys out of range"
            for k, x in v.items():
                if "propertyNames" in s:
                    for e in self.check(s["propertyNames"], k, f"{where}.{k}", doc):
                        yield f"{where}: key {k!r} not allowed ({e})"
                if k in props:
                    yield from self.check(props[k], x, f"{where}.{k}", doc)
                elif "additionalProperties" in s:
                    ap = s["additionalProperties"]
                    if ap is False:
                        yield f"{where}: unknown key {k!r}"
                    else:
                        yield from self.check(ap, x, f"{where}.{k}", doc)


def main(argv):
    if len(argv) < 3:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    c = Checker(argv[1])
    bad = 0
    for path in argv[2:]:
        with open(path) as f:
            v = json.load(f)
        errs = list(c.check(c.root, v, "$", c.root))
        if errs:
            bad += 1
            print(f"{path}: {errs[0]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
