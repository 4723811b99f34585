"""One folder per network, declared once, listed by one registry.

``spec`` says what a network declares (``Network``), ``registry`` lists them and answers the rest
of the code (settings, labels, adapters, keys), ``base`` holds what every adapter shares (the
draft it publishes, the protocols it implements, HTTP error mapping and retries). Each network's
folder (``bluesky/``, ``mastodon/``) has its declaration in ``__init__``, its ``settings``, its
``client`` (the I/O) and its ``convert`` (pure converters between its JSON and the model).
"""
