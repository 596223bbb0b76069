"""The federation at a library node: the registry's library directory (cached), the peer listener other nodes
call over mutual TLS (``peer_server``, with its endpoint table in ``peer_routes``), and the client this node
calls them with (``peer_client``)."""
