#!/usr/bin/env python3
"""Write each object of the operators' kinds in a rendered overlay to its own
file, `<dir>/<schema>.<name>.yaml`, for check-jsonschema (one document per
file) against deploy/check/schemas/<schema>.json.

    split_kinds.py rendered.yaml out-dir
"""
import sys
from pathlib import Path

import yaml

SCHEMAS = {("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor",
           ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule",
           ("postgresql.cnpg.io/v1", "Cluster"): "cnpg-cluster"}


def main() -> int:
    rendered, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for doc in yaml.safe_load_all(rendered.read_text()):
        if not doc:
            continue
        schema = SCHEMAS.get((doc.get("apiVersion"), doc.get("kind")))
        if schema is None:
            if "." in doc.get("apiVersion", "").split("/")[0] and "k8s.io" not in doc["apiVersion"]:
                print(f"{rendered.name}: no schema in deploy/check/schemas for {doc['apiVersion']} {doc['kind']}",
                      file=sys.stderr)
                return 1
            continue
        (out / f"{schema}.{doc['metadata']['name']}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
