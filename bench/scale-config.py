#!/usr/bin/env python3
"""Writes bench/scaigrid-bench.yaml grown to issue 8's "flat cost" size: N tenants (default 1,000), each with
one user holding K generated API keys (default 100: 100,000 keys in all), and M extra frontend models
(default 1,000) routed to the bench backend. The bench's own tenant, key and models stay as they are, so
the measured requests are the same requests, among a large installation.

    python3 bench/scale-config.py OUT.yaml [tenants] [keys_per_tenant] [models]
"""
import sys

out = sys.argv[1]
tenants = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
keys = int(sys.argv[3]) if len(sys.argv) > 3 else 100
models = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
base = open(__file__.replace("scale-config.py", "scaigrid-bench.yaml")).read()

head, partners = base.split("\npartners:\n", 1)
lines = [head, "\n"]
for m in range(models):
    lines.append(f"  - slug: scale/m{m:04d}\n    routing: {{ backends: [ {{ backend: bench-gpt }} ] }}\n")
lines.append("\npartners:\n")
lines.append(partners.rstrip("\n") + "\n")
for t in range(tenants):
    lines.append(f"      - slug: scale-t{t:04d}\n")
    lines.append(f"        budgets: [ {{ period: monthly, limit_usd: 1000 }} ]\n")
    lines.append(f"        users:\n          - email: u{t:04d}@scale.example.test\n            roles: [member]\n            api_keys:\n")
    for k in range(keys):
        lines.append(f"              - name: k{k:03d}\n")
open(out, "w").write("".join(lines))
