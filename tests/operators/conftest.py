"""The ``face`` fixture: every operator test that takes it runs through each consumption face.

Modelled on aiostream's ``assert_run`` (``ids=["aiter", "await"]``) and anyio's
``anyio_backend``: ``observable`` (pushed to a subscriber on an asyncio loop), ``aiter``
(``to_aiter`` in ``asyncio.run``) and ``iter`` (``to_iter``).
"""

from __future__ import annotations

import pytest

from tests.support import OBSERVABLE_FACES, ObservableFace


@pytest.fixture(params=OBSERVABLE_FACES, ids=[face.name for face in OBSERVABLE_FACES])
def face(request: pytest.FixtureRequest) -> ObservableFace:
    """One face of an Observable: ``face(source)``, ``face.outcome(source)``,
    ``face.assert_run(source, expected, error)``."""
    face: ObservableFace = request.param
    return face
