"""Parallab's comms and widgets through jupyter_client, checked against @jupyter-widgets/schema.

Run by test/widgets-protocol.test.ts with Debian's Python (the one with Jupyter), the kernelspec
installed where JUPYTER_PATH points and PARALLAB_CLI naming dist/cli/parallab.js:

    node dist/cli/parallab.js install --prefix /tmp/pl
    JUPYTER_PATH=/tmp/pl/share/jupyter PARALLAB_CLI=dist/cli/parallab.js \\
        /usr/bin/python3 -m unittest discover -v -s test/widgets-protocol

The schemas are the copies in test/fixtures/jupyter-widgets-schema (see its README): the view
and saved-state schemas, and ipywidgets 8's model specification, from which each model's state
gets a schema of its own (every key, its type, its enum; references are "IPY_MODEL_" strings).
"""

import json
import os
import subprocess
import tempfile
import time
import unittest

import jsonschema
import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "jupyter-widgets-schema")
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"


def load(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


VIEW_SCHEMA = load("view.schema.json")
STATE_SCHEMA = load("state.schema.json")
MODELS = {entry["model"]["name"]: entry for entry in load("jupyterwidgetmodels.latest.json")}

TYPES = {"string": "string", "bool": "boolean", "int": "integer", "float": "number", "array": "array", "object": "object"}


def state_schema(model_name, whole=True):
    """A JSON schema for a model's state, from the model specification: whole (comm_open, saved) or a part (update)."""
    properties = {}
    for attribute in MODELS[model_name]["attributes"]:
        if attribute["type"] == "reference":
            schema = {"type": "string", "pattern": "^IPY_MODEL_"}
        else:
            schema = {"type": TYPES[attribute["type"]]}
        if "enum" in attribute:
            schema["enum"] = attribute["enum"] + ([None] if attribute.get("allow_none") else [])
        if attribute.get("allow_none"):
            schema["type"] = [schema["type"], "null"]
        properties[attribute["name"]] = schema
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if whole:
        schema["required"] = sorted(properties)
    return schema


class ParallabWidgetProtocolTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="parallab-widgets-protocol-")
        cls.log_path = os.path.join(cls.dir, "kernel.log")
        cls.log_file = open(cls.log_path, "w")
        cls.km = KernelManager(kernel_name="parallab")
        cls.km.start_kernel(cwd=cls.dir, stderr=cls.log_file)
        cls.kc = cls.km.client()
        cls.kc.start_channels()
        cls.kc.wait_for_ready(timeout=60)
        reply, _ = cls.execute('import { widgets, interact } from "parallab";')
        assert reply["content"]["status"] == "ok", reply

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)
        cls.log_file.close()

    # What a front end does ----------------------------------------------------------------

    @classmethod
    def outputs_of(cls, msg_id, timeout=60):
        """The iopub messages that answer msg_id, until its idle status."""
        outputs = []
        deadline = time.time() + timeout
        while True:
            msg = cls.kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status":
                if msg["content"]["execution_state"] == "idle":
                    return outputs
                continue
            outputs.append(msg)

    @classmethod
    def execute(cls, code):
        msg_id = cls.kc.execute(code)
        reply = cls.kc.get_shell_msg(timeout=60)
        assert reply["parent_header"]["msg_id"] == msg_id
        return reply, cls.outputs_of(msg_id)

    @classmethod
    def send_comm(cls, msg_type, content, metadata=None, buffers=None):
        """A comm message as a front end sends it: on shell, no reply; the iopub messages it caused."""
        msg = cls.kc.session.msg(msg_type, content, metadata=metadata or {})
        cls.kc.session.send(cls.kc.shell_channel.socket, msg, buffers=buffers or [])
        return msg["header"]["msg_id"], cls.outputs_of(msg["header"]["msg_id"])

    def logged(self, text, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.log_path) as f:
                log = f.read()
            if text in log:
                return log
            time.sleep(0.05)
        self.fail(f"the kernel's log has no line with {text!r}:\n{log}")

    def assert_kernel_works(self):
        reply, outputs = self.execute("6 * 7")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"], ["42"])

    # The tests ------------------------------------------------------------------------------

    def test_comm_info_lists_jupyter_widget(self):
        _, outputs = self.execute('const listed = new widgets.IntSlider({ value: 2 }); listed.modelId')
        opened = [m["content"]["comm_id"] for m in outputs if m["msg_type"] == "comm_open"]
        self.assertEqual(len(opened), 3)
        for target in ("jupyter.widget", None):
            self.kc.comm_info(target_name=target) if target else self.kc.comm_info()
            reply = self.kc.get_shell_msg(timeout=30)
            self.assertEqual(reply["msg_type"], "comm_info_reply")
            self.assertEqual(reply["content"]["status"], "ok")
            for comm_id in opened:
                self.assertEqual(reply["content"]["comms"][comm_id], {"target_name": "jupyter.widget"})

    def test_the_messages_of_a_slider_validate_against_the_schemas(self):
        _, outputs = self.execute('const s = new widgets.IntSlider({ value: 5, max: 10, description: "n" });\ns.observe("value", (c) => console.log(c.new));\ns')
        opens = [m for m in outputs if m["msg_type"] == "comm_open"]
        self.assertEqual([m["content"]["data"]["state"]["_model_name"] for m in opens], ["LayoutModel", "SliderStyleModel", "IntSliderModel"])
        for m in opens:
            self.assertEqual(m["metadata"], {"version": "2.1.0"})
            self.assertEqual(m["content"]["target_name"], "jupyter.widget")
            self.assertEqual(m["content"]["data"]["buffer_paths"], [])
            state = m["content"]["data"]["state"]
            jsonschema.validate(state, state_schema(state["_model_name"]))
        slider = opens[-1]["content"]["comm_id"]
        [result] = [m for m in outputs if m["msg_type"] == "execute_result"]
        view = result["content"]["data"][VIEW_MIME]
        jsonschema.validate(view, VIEW_SCHEMA)
        self.assertEqual(view, {"version_major": 2, "version_minor": 0, "model_id": slider})

        update_id, answered = self.send_comm("comm_msg", {"comm_id": slider, "data": {"method": "update", "state": {"value": 7}, "buffer_paths": []}})
        [echo] = [m for m in answered if m["msg_type"] == "comm_msg"]
        self.assertEqual(echo["parent_header"]["msg_id"], update_id)
        self.assertEqual(echo["content"]["data"], {"method": "echo_update", "state": {"value": 7}, "buffer_paths": []})
        jsonschema.validate(echo["content"]["data"]["state"], state_schema("IntSliderModel", whole=False))
        self.assertEqual("".join(m["content"]["text"] for m in answered if m["msg_type"] == "stream"), "7\n")

        _, outputs = self.execute("s.max = 6;")
        # The value moves with the new max, in the same update.
        updates = [m["content"]["data"] for m in outputs if m["msg_type"] == "comm_msg"]
        self.assertEqual([u["method"] for u in updates], ["update"])
        for u in updates:
            jsonschema.validate(u["state"], state_schema("IntSliderModel", whole=False))
        self.assertEqual({k: v for u in updates for k, v in u["state"].items()}, {"value": 6, "max": 6})

    def test_the_widget_state_nbclient_saves_validates(self):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell('import { widgets, interact } from "parallab";\nconst slider = new widgets.IntSlider({ value: 3, max: 9 });\nslider'),
            nbformat.v4.new_code_cell('interact(({ n, op }) => console.log(op, n), { n: [1, 8], op: ["sum", "max"] })'),
            nbformat.v4.new_code_cell("new widgets.Tab([new widgets.Text(), new widgets.Checkbox()])"),
        ]
        NotebookClient(nb, kernel_name="parallab", timeout=120, resources={"metadata": {"path": self.dir}}).execute()
        self.check_saved_state(nb)

    def test_the_widget_state_parallab_run_saves_validates(self):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell('import { widgets, interact } from "parallab";\nnew widgets.Dropdown({ options: { one: 1, two: 2 }, value: 2 })'),
            nbformat.v4.new_code_cell('interact(({ x }) => x, { x: [0, 1, 0.25] })'),
        ]
        source = os.path.join(self.dir, "run.ipynb")
        nbformat.write(nb, source)
        out = os.path.join(self.dir, "out")
        subprocess.run(["node", os.environ["PARALLAB_CLI"], "run", source, "--out", out], check=True, capture_output=True, timeout=180)
        self.check_saved_state(nbformat.read(os.path.join(out, "run.ipynb"), as_version=4))

    def check_saved_state(self, nb):
        nbformat.validate(nb)
        saved = nb.metadata["widgets"][STATE_MIME]
        jsonschema.validate(saved, STATE_SCHEMA)
        self.assertGreater(len(saved["state"]), 3)
        for model_id, model in saved["state"].items():
            self.assertEqual(model["model_name"], model["state"]["_model_name"])
            self.assertEqual(model["model_module_version"], MODELS[model["model_name"]]["model"]["version"])
            jsonschema.validate(model["state"], state_schema(model["model_name"]))
        for cell in nb.cells:
            for output in cell.outputs:
                if VIEW_MIME in output.get("data", {}):
                    jsonschema.validate(output["data"][VIEW_MIME], VIEW_SCHEMA)
                    self.assertIn(output["data"][VIEW_MIME]["model_id"], saved["state"])

    def test_a_comm_msg_for_an_unknown_comm_id_logs_and_the_kernel_works(self):
        _, outputs = self.send_comm("comm_msg", {"comm_id": "no-such-comm", "data": {"method": "update", "state": {"value": 1}}})
        self.assertEqual(outputs, [])
        self.logged("comm_msg for unknown comm no-such-comm: ignored (it was never opened, or is closed)")
        self.assert_kernel_works()

    def test_a_malformed_state_logs_and_the_kernel_works(self):
        _, outputs = self.execute("const target = new widgets.IntSlider({ value: 4 }); target.modelId")
        model_id = [m for m in outputs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"].strip("'")
        self.send_comm("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": ["value", 1]}})
        self.logged(f"widget IntSliderModel {model_id}: ignored a message: an update's state must be an object, got an array")
        self.send_comm("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {"value": "nine"}}})
        self.logged(f'widget IntSliderModel {model_id}: ignored "value" of an update: expected a number, got the string "nine"')
        self.send_comm("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {}, "buffer_paths": [["value"]]}}, buffers=[b"\x01"])
        self.send_comm("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {}, "buffer_paths": [["a", "b"]]}}, buffers=[b"\x01"])
        self.logged(f'widget IntSliderModel {model_id}: ignored a message: buffer path ["a","b"] does not lead into the state')
        _, outputs = self.execute("target.value")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"], ["4"])
        self.assert_kernel_works()

    def test_an_unknown_target_is_closed_with_a_log_line_and_the_kernel_works(self):
        _, outputs = self.send_comm("comm_open", {"comm_id": "to-nowhere", "target_name": "no.such.target", "data": {}})
        self.assertEqual([(m["msg_type"], m["content"]) for m in outputs], [("comm_close", {"comm_id": "to-nowhere", "data": {}})])
        self.logged('comm_open to unknown target "no.such.target" (comm to-nowhere): closed it. Registered targets: "jupyter.widget", "jupyter.widget.control"')
        self.assert_kernel_works()


if __name__ == "__main__":
    unittest.main()
