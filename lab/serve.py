"""Serves the JupyterLab 3.6 front end in lab/build/ with Debian's jupyterlab_server.

Started by `parallab lab` (cli/lab.ts) when no `jupyter-lab` is installed:
    /usr/bin/python3 lab/serve.py --ServerApp.root_dir=DIR --ServerApp.token=... [more traitlets]
"""
import json
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")

try:
    import jupyterlab_server
    from jupyterlab_server import LabServerApp
except ImportError:
    sys.stderr.write(
        "parallab lab: Python's jupyterlab_server is missing. Install it with:\n"
        "  sudo apt-get install -y python3-jupyterlab-server\n"
    )
    sys.exit(3)

from traitlets import Unicode

# Kernel websockets without Nagle's delay (about 40 ms per execute otherwise): a monkey patch of
# jupyter_server, applied by running the config file once.
runpy.run_path(os.path.join(HERE, "nodelay_config.py"))

with open(os.path.join(HERE, "package.json")) as f:
    VERSION = json.load(f)["version"]

# Where this app keeps user settings and workspaces (cli/lab.ts passes a per-user folder).
STATE = os.environ.get("PARALLAB_LAB_STATE") or os.path.join(HERE, "state")


class ParallabLab(LabServerApp):
    name = "parallab_lab"
    app_name = "JupyterLab (Parallab)"
    app_version = Unicode(VERSION)
    extension_url = "/lab"
    default_url = Unicode("/lab")
    # Only this app: server extensions enabled for another Jupyter on the machine stay off.
    load_other_extensions = False

    app_settings_dir = Unicode(os.path.join(BUILD, "application_settings"))
    schemas_dir = Unicode(os.path.join(BUILD, "schemas"))
    static_dir = Unicode(BUILD)
    templates_dir = Unicode(os.path.join(HERE, "templates"))
    themes_dir = Unicode(os.path.join(BUILD, "themes"))
    user_settings_dir = Unicode(os.path.join(STATE, "user-settings"))
    workspaces_dir = Unicode(os.path.join(STATE, "workspaces"))

    def initialize_templates(self):
        super().initialize_templates()
        # error.html and 403.html come from jupyterlab_server's own templates.
        self.template_paths.append(os.path.join(os.path.dirname(jupyterlab_server.__file__), "templates"))


def _jupyter_server_extension_points():
    # How jupyter_server finds the app in this module (run as __main__) under its own name.
    return [{"module": __name__, "app": ParallabLab}]


if __name__ == "__main__":
    if not os.path.exists(os.path.join(BUILD, "bundle.js")):
        sys.stderr.write(f"parallab lab: {BUILD} has no bundle.js: build it with `parallab lab` or `node dist/cli/scripts/build-lab.js`\n")
        sys.exit(2)
    ParallabLab.launch_instance()
