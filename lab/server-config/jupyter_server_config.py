# `parallab lab` puts this folder on JUPYTER_CONFIG_PATH when it starts the user's own
# jupyter-lab: an extra config file, so the user's own config files still load (--config would
# replace them). It applies lab/nodelay_config.py (TCP_NODELAY on kernel websockets).
import os
import runpy

runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "nodelay_config.py"))
