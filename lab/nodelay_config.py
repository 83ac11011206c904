# Jupyter server config: send kernel websocket frames at once (TCP_NODELAY).
# jupyter_server 1.x never sets it, so each small reply waits for Nagle's algorithm and the
# peer's delayed ACK: about 40 ms added to every execute. Load with
#   jupyter server --config=lab/nodelay_config.py   (or put it in jupyter_server_config.py)
from jupyter_server.services.kernels.handlers import ZMQChannelsHandler

_open = ZMQChannelsHandler.open


def _open_with_nodelay(self, *args, **kwargs):
    self.set_nodelay(True)
    return _open(self, *args, **kwargs)


if not getattr(ZMQChannelsHandler.open, "_parallab_nodelay", False):
    _open_with_nodelay._parallab_nodelay = True
    ZMQChannelsHandler.open = _open_with_nodelay
