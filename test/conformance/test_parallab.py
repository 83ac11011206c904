"""The Jupyter project's kernel conformance suite (jupyter_kernel_test) run against parallab.

Run with Debian's Python (the one that has Jupyter), with the kernelspec installed somewhere
JUPYTER_PATH points at:

    node dist/cli/parallab.js install --prefix /tmp/pl
    JUPYTER_PATH=/tmp/pl/share/jupyter /usr/bin/python3 -m unittest discover -v -s test/conformance

(`-m unittest test/conformance/test_parallab.py` does not work: it imports the module as
`test.conformance.test_parallab`, and `test` is the standard library's package.)

Every sample is filled in, so no test of KernelTests is skipped. The kernel runs with its own
fresh JUPYTER_DATA_DIR (its history lives there), so the history tests see only this run.
"""

import os
import shutil
import tempfile
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel


class ParallabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "parallab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "JSON.str", "matches": {"stringify"}},
    ]

    complete_code_samples = ["1 + 1", "const x = 1;", 'console.log("hi")', "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "if (true) {", "const a = [1, 2,"]
    invalid_code_samples = ["1 +* 2", "}", "const = 3"]

    # `%magic?` puts the magic's help in a pager payload; `expr?` does the same for an expression.
    code_page_something = "Math.max?"

    code_generate_error = 'throw new Error("boom")'

    # Values are shown as util.inspect shows them (strings in single quotes).
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": "({ a: 1 })", "result": "{ a: 1 }"},
        {"code": "true && false", "result": "false"},
    ]

    code_display_data = [
        {"code": 'import { html } from "parallab"; html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import { display } from "parallab"; display({ "text/markdown": "**hi**" })', "mime": "text/markdown"},
    ]

    # A glob over the whole input, as IPython's history search: it matches only "6 * 7" of the
    # samples above, which test_history runs six times (so n=3 finds 3 and unique=True finds 1).
    code_history_pattern = "6 * 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = 'import { clearOutput } from "parallab"; clearOutput()'

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="parallab-conformance-")
        data_dir = os.path.join(cls.workdir, "data")
        os.mkdir(data_dir)
        env = dict(os.environ, JUPYTER_DATA_DIR=data_dir)
        cls.km, cls.kc = start_new_kernel(kernel_name=cls.kernel_name, env=env, cwd=cls.workdir)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.workdir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
