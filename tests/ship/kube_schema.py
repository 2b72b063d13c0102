#!/usr/bin/python3
"""Checks Kubernetes manifests against the API's types, as Debian's
python3-kubernetes (the client's generated models) knows them: every key must
be a field of its object's type (apiVersion and kind name the type), every
value of the field's type, and every required field present. Used by
tests/ship/kube_test.sh for the kinds podman kube play cannot run.

    kube_schema.py FILE...        exit 0 when all are valid, else 1 with one line per problem
"""
import re
import sys

import kubernetes.client as k8s
import yaml

PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float)}


def model_for(api_version, kind):
    # The models are named by version and kind (apps/v1 DaemonSet: V1DaemonSet).
    version = api_version.rpartition("/")[2]
    return getattr(k8s, f"{version.capitalize()}{kind}", None)


def required_fields(cls):
    # The generated constructor raises for a None required field: find them.
    required = []
    for attr in cls.openapi_types:
        try:
            obj = cls.__new__(cls)
            obj.local_vars_configuration = k8s.Configuration()
            obj.local_vars_configuration.client_side_validation = True
            setattr(obj, attr, None)
        except ValueError:
            required.append(attr)
        except Exception:
            pass
    return required


def check(value, type_name, path, problems):
    if type_name in PRIMITIVES:
        if not isinstance(value, PRIMITIVES[type_name]) or (type_name != "bool" and isinstance(value, bool)):
            problems.append(f"{path}: {value!r} is not a {type_name}")
        return
    if type_name == "object":
        return
    m = re.fullmatch(r"list\[(.+)\]", type_name)
    if m:
        if not isinstance(value, list):
            problems.append(f"{path}: not a list")
            return
        for i, item in enumerate(value):
            check(item, m.group(1), f"{path}[{i}]", problems)
        return
    m = re.fullmatch(r"dict\(str, (.+)\)", type_name)
    if m:
        if not isinstance(value, dict):
            problems.append(f"{path}: not a map")
            return
        for k, v in value.items():
            check(v, m.group(1), f"{path}.{k}", problems)
        return
    cls = getattr(k8s, type_name, None)
    if cls is None:
        problems.append(f"{path}: unknown type {type_name}")
        return
    if type_name == "IntOrString":
        return
    if not isinstance(value, dict):
        # int-or-string fields are typed "object" or "str" in the models
        problems.append(f"{path}: not an object ({type_name})")
        return
    by_key = {key: attr for attr, key in cls.attribute_map.items()}
    for key, v in value.items():
        if key not in by_key:
            problems.append(f"{path}.{key}: not a field of {type_name}")
            continue
        check(v, cls.openapi_types[by_key[key]], f"{path}.{key}", problems)
    for attr in required_fields(cls):
        if cls.attribute_map[attr] not in value:
            problems.append(f"{path}: {type_name} needs {cls.attribute_map[attr]}")


def main(files):
    problems = []
    for f in files:
        for i, doc in enumerate(yaml.safe_load_all(open(f))):
            if doc is None:
                continue
            where = f"{f}#{i} {doc.get('kind')}"
            if doc.get("kind") == "Kustomization":
                continue
            cls = model_for(doc.get("apiVersion", ""), doc.get("kind", ""))
            if cls is None:
                problems.append(f"{where}: no type for {doc.get('apiVersion')} {doc.get('kind')}")
                continue
            check(doc, cls.__name__, where, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
