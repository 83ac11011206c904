"""Executes notebooks with Jupyter's own nbclient (a client Parallab did not write) against the
installed `parallab` kernelspec, and prints, as JSON, each notebook's error outputs and the check
results its %%check cells wrote. Usage: run_nbclient.py [--allow-errors] OUT_DIR NOTEBOOK...
(--allow-errors runs every cell even after one fails, as `jupyter nbconvert --allow-errors`.)"""
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CHECK_MIME = "application/vnd.parallab.check+json"


def run(path: str, out_dir: str, allow_errors: bool) -> dict:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="parallab", timeout=300, allow_errors=allow_errors, resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    started = time.time()
    failure = None
    try:
        client.execute()
    except CellExecutionError as err:
        failure = str(err).splitlines()[-1] if str(err) else repr(err)
    errors, checks = [], []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append({"cell": index, "id": cell.get("id"), "ename": output.get("ename"), "evalue": output.get("evalue")})
            data = output.get("data", {})
            if CHECK_MIME in data:
                checks.append(data[CHECK_MIME])
    nbformat.validate(nb)
    nbformat.write(nb, os.path.join(out_dir, os.path.basename(path)))
    return {"file": os.path.basename(path), "seconds": round(time.time() - started, 1), "failure": failure, "errors": errors, "checks": checks}


if __name__ == "__main__":
    args = sys.argv[1:]
    allow_errors = "--allow-errors" in args
    args = [a for a in args if a != "--allow-errors"]
    out_dir, paths = args[0], args[1:]
    os.makedirs(out_dir, exist_ok=True)
    print(json.dumps([run(p, out_dir, allow_errors) for p in paths]))
