"""Checks that a JSON file is a structurally valid FHIR R5 Bundle, as `ldn` exports them.

Usage: python3 validate_fhir.py BUNDLE.json
Needs PyPI's fhir.resources 8.x, whose default models are FHIR R5 (5.0.0), on pydantic 2:
    python3 -m pip install 'fhir.resources>=8.0,<9'
Prints "valid FHIR R5 Bundle: N entries" and exits 0, or lists every problem and exits 1
(2 when the file cannot be read or fhir.resources is missing).

fhir.resources checks each element's type, cardinality and primitive format, and rejects
unknown elements. It does not check what this script adds, which FHIR also requires:
no null or empty values anywhere, codes from the required bindings the export uses, unique
fullUrls that match each resource, and (our promise) references that resolve in the bundle.
"""
import json
import sys

BUNDLE_TYPES = {"document", "message", "transaction", "transaction-response", "batch",
                "batch-response", "history", "searchset", "collection", "subscription-notification"}
PUBLICATION_STATUSES = {"draft", "active", "retired", "unknown"}


def empty_values(value, path=""):
    """Paths of nulls, empty strings, empty arrays and empty objects (FHIR JSON forbids them)."""
    if value is None or value == "" or value == [] or value == {}:
        return [f"{path or 'Bundle'}: empty or null value"]
    if isinstance(value, str) and not value.strip():
        return [f"{path}: blank string"]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in empty_values(v, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in empty_values(v, f"{path}.{k}" if path else k)]
    return []


def references(value):
    """Every `reference` string inside a resource."""
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in references(v)]
    return []


def bundle_problems(bundle):
    """The FHIR rules fhir.resources leaves to the caller."""
    problems = empty_values(bundle)
    if bundle.get("resourceType") != "Bundle":
        return problems + [f"resourceType is {bundle.get('resourceType')!r}, not 'Bundle'"]
    if bundle.get("type") not in BUNDLE_TYPES:
        problems.append(f"Bundle.type {bundle.get('type')!r} is not a bundle-type code")
    entries = bundle.get("entry", [])
    full_urls = [e.get("fullUrl") for e in entries if isinstance(e, dict)]
    for url in {u for u in full_urls if full_urls.count(u) > 1}:
        problems.append(f"fullUrl {url} appears more than once")
    local = {f"{e['resource'].get('resourceType')}/{e['resource'].get('id')}"
             for e in entries if isinstance(e, dict) and isinstance(e.get("resource"), dict)}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(f"entry[{index}] has no resource")
            continue
        own = f"{resource.get('resourceType')}/{resource.get('id')}"
        if not str(entry.get("fullUrl", "")).endswith("/" + own):
            problems.append(f"entry[{index}].fullUrl {entry.get('fullUrl')!r} does not end with {own}")
        if resource.get("resourceType") in ("Citation", "Evidence") and \
                resource.get("status") not in PUBLICATION_STATUSES:
            problems.append(f"entry[{index}] {own}: status {resource.get('status')!r} is not a publication-status code")
        for reference in references(resource):
            if reference not in local:
                problems.append(f"entry[{index}] {own}: reference {reference} does not resolve in the bundle")
    return problems


def location(parts):
    """pydantic's ('entry', 3, 'resource') as entry[3].resource, like the other messages."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def model_problems(bundle):
    """Type, cardinality and format errors from fhir.resources' R5 models."""
    import fhir.resources
    from fhir.resources.bundle import Bundle
    from pydantic import ValidationError

    if not fhir.resources.__fhir_version__.startswith("5.") or not hasattr(Bundle, "model_validate"):
        return [f"fhir.resources {fhir.resources.__version__} (FHIR {fhir.resources.__fhir_version__}) "
                "is not the R5, pydantic 2 release this needs: install 'fhir.resources>=8.0,<9'"]
    try:
        Bundle.model_validate(bundle)
    except ValidationError as error:
        return [f"{location(e['loc'])}: {e['msg']}" for e in error.errors()]
    return []


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as file:
            bundle = json.load(file)
    except (OSError, ValueError) as error:
        print(f"cannot read {argv[1]}: {error}", file=sys.stderr)
        return 2
    if not isinstance(bundle, dict):
        print(f"invalid FHIR R5 Bundle {argv[1]}:\n  the file holds no JSON object", file=sys.stderr)
        return 1
    try:
        problems = model_problems(bundle) + bundle_problems(bundle)
    except ImportError as error:
        print(f"fhir.resources is not installed ({error}): pip install 'fhir.resources>=8.0,<9'", file=sys.stderr)
        return 2
    if problems:
        print(f"invalid FHIR R5 Bundle {argv[1]}:", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        return 1
    print(f"valid FHIR R5 Bundle: {len(bundle.get('entry', []))} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
