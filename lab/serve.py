"""Serves the JupyterLab 4 front end in lab/build/ with Debian's jupyterlab_server.

Started by `parallab lab` (cli/lab.ts) when no `jupyter-lab` is installed:
    /usr/bin/python3 lab/serve.py --ServerApp.root_dir=DIR --ServerApp.token=... [more traitlets]

JupyterLab 4 expects two REST endpoints that came with jupyter_server 2 and that Debian 12's
jupyter_server 1.x lacks; on 1.x this app answers them itself (see the README's JupyterLab part):
  GET /api/me                  who the user is and what they may do (@jupyterlab/services' UserManager:
                               without it, user.ready never resolves and it logs a 404)
  WS  /api/events/subscribe    the server's event bus (EventManager: without it, a 404 and a reconnect
                               every few seconds, each an error in the browser's console); 1.x emits
                               no events, so the socket stays open and quiet
"""
import getpass
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

import jupyter_server
from jupyter_server.base.handlers import APIHandler, JupyterHandler
try:
    from jupyter_server.base.websocket import WebSocketMixin  # jupyter_server 2
except ImportError:
    from jupyter_server.base.zmqhandlers import WebSocketMixin  # 1.x
from tornado import web, websocket
from traitlets import Unicode

# Kernel websockets without Nagle's delay (about 40 ms per execute otherwise): a monkey patch of
# jupyter_server, applied by running the config file once.
runpy.run_path(os.path.join(HERE, "nodelay_config.py"))

with open(os.path.join(HERE, "package.json")) as f:
    VERSION = json.load(f)["version"]

# Where this app keeps user settings and workspaces (cli/lab.ts passes a per-user folder).
STATE = os.environ.get("PARALLAB_LAB_STATE") or os.path.join(HERE, "state")


class IdentityHandler(APIHandler):
    """GET /api/me[?permissions={"contents": ["read", "write"], …}], as jupyter_server 2 answers it.

    jupyter_server 1.x has no identity provider: the user is whoever runs this single-user server.
    Permissions are those asked for that the server's authorizer allows (all, by default).
    """

    @web.authenticated
    def get(self):
        asked = self.get_argument("permissions", "") or "{}"
        try:
            asked = json.loads(asked)
        except ValueError:
            asked = None
        valid = isinstance(asked, dict) and all(isinstance(a, list) and all(isinstance(x, str) for x in a) for a in asked.values())
        if not valid:
            raise web.HTTPError(400, 'permissions must be a JSON object of {"resource": ["action", …]}')
        user = self.current_user
        permissions = {
            resource: [action for action in actions if self.authorizer.is_authorized(self, user=user, action=action, resource=resource)]
            for resource, actions in asked.items()
        }
        name = getpass.getuser()
        identity = {
            "username": name,
            "name": name,
            "display_name": name,
            "initials": name[:1].upper(),
            "avatar_url": None,
            "color": None,  # JupyterLab picks one and keeps it in localStorage
        }
        self.finish(json.dumps({"identity": identity, "permissions": permissions}))


class EventsSubscribeHandler(WebSocketMixin, websocket.WebSocketHandler, JupyterHandler):
    """WS /api/events/subscribe: jupyter_server 2's event bus. jupyter_server 1.x emits no events,
    so the socket stays open (with the server's usual keep-alive pings) and sends nothing."""

    def set_default_headers(self):
        pass  # JupyterHandler's page headers mean nothing on a websocket upgrade

    async def get(self, *args, **kwargs):
        if self.get_current_user() is None:
            raise web.HTTPError(403)
        if not self.authorizer.is_authorized(self, user=self.current_user, action="read", resource="events"):
            raise web.HTTPError(403)
        await super().get(*args, **kwargs)

    def on_message(self, message):
        pass  # subscribers only listen


# jupyter_server 2 and later answer these themselves.
SERVER_2_SHIMS = [(r"/api/me", IdentityHandler), (r"/api/events/subscribe", EventsSubscribeHandler)]
NEEDS_SHIMS = int(jupyter_server.__version__.split(".")[0]) < 2


class ParallabLab(LabServerApp):
    name = "parallab_lab"
    app_name = "JupyterLab (Parallab)"
    app_version = Unicode(VERSION)
    extension_url = "/lab"
    default_url = Unicode("/lab")
    # Only this app: server extensions enabled for another Jupyter on the machine stay off.
    load_other_extensions = False

    # overrides.json there: widget state is saved in notebooks (ipywidgets' manager defaults to not
    # saving it, so a reopened notebook would show "Error displaying widget: model not found").
    app_settings_dir = Unicode(os.path.join(HERE, "settings"))
    schemas_dir = Unicode(os.path.join(BUILD, "schemas"))
    static_dir = Unicode(BUILD)
    templates_dir = Unicode(os.path.join(HERE, "templates"))
    themes_dir = Unicode(os.path.join(BUILD, "themes"))
    user_settings_dir = Unicode(os.path.join(STATE, "user-settings"))
    workspaces_dir = Unicode(os.path.join(STATE, "workspaces"))

    def initialize_handlers(self):
        super().initialize_handlers()
        if NEEDS_SHIMS:
            self.handlers.extend(SERVER_2_SHIMS)

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
