"""Makes the shared test helpers importable from every test folder.

pytest (``prepend`` import mode, no ``__init__.py`` under ``tests/``) puts the
directory of each ``conftest.py`` it loads on ``sys.path``; this file being
here puts ``tests/`` there, so unit, integration and browser tests alike can
``from signing import GatewayClient`` and ``from polling import wait_for``.
"""
