"""How clients ask: one package per REST dialect (spoton, spotizerr, echostats, sono, openwhyd),
the websocket RPC table (rpc), the realtime routes (realtime), health and media routes, and
what every dialect shares once (_auth, _input, dialect, keys). A dialect parses its wire
format, calls one domain operation and renders the result or the error in its own shape.
"""
