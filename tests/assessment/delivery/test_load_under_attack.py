"""300 candidates keep answering while an attacker guesses links and passwords (issue 11).

Every candidate sits behind the attacker's address (one NAT) and re-opens their link before
each answer, as the page does on every rerun. The attacker is past its free allowance before
the test starts, so every guess is held back; guessed links come from that address and from
rotating forged ones, sign-in attempts try a real account and unknown ones. No candidate may
be refused and no accepted answer lost, while the throttle visibly slows the attacker.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from assessment.access.accounts import add_user, authenticate
from assessment.delivery.service import Delivery
from assessment.delivery.simulation import draw_answers
from assessment.demo import ensure_active_model
from assessment.errors import InvitationError, LoginError
from assessment.persistence.store import Store
from assessment.persistence.tables import AuditEntry
from items import load_bank

pytestmark = pytest.mark.slow
N_CANDIDATES = 300
ANSWERING_SECONDS = 30.0
NAT = "203.0.113.9"


def test_candidates_are_never_refused_and_lose_nothing_under_attack(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'load.db'}")
    bank = load_bank()
    ensure_active_model(store, bank)
    add_user(store, "victim", "a long enough password", "recruiter")
    delivery = Delivery.from_store(store, bank)
    answers = draw_answers(
        delivery.pool, delivery.model.parameters, N_CANDIDATES, np.random.default_rng(11)
    )
    tokens, sessions = [], []
    for k in range(N_CANDIDATES):
        _, token = store.create_invitation(store.add_candidate(f"load {k}", synthetic=True))
        session_id = delivery.start(delivery.open(token, client=NAT), "en")
        delivery.consent(session_id)
        delivery.practice_done(session_id)
        tokens.append(token)
        sessions.append(session_id)

    # the attacker has been at it for a while: past the free allowance, per address and overall
    with store.transaction() as db:
        db.add_all(
            AuditEntry(
                actor="anonymous",
                action="token.unknown",
                target=NAT if n < 100 else f"10.9.{n % 250}.1",
            )
            for n in range(delivery.throttle.free_overall + 100)
        )

    stop = threading.Event()
    gate = threading.Barrier(N_CANDIDATES + 3)
    accepted = [0] * N_CANDIDATES
    refusals: list[str] = []
    errors: list[str] = []
    attacks: Counter[str] = Counter()

    def candidate(k: int) -> None:
        gate.wait()
        try:
            while not stop.is_set():
                try:
                    delivery.open(tokens[k], client=NAT)  # the page's rerun
                except InvitationError as error:
                    refusals.append(error.reason)
                    return
                view = delivery.current_item(sessions[k])
                if view is None:
                    return
                response = answers.response(delivery.pool, k, delivery.pool.index(view.item.id))
                accepted[k] += delivery.answer(
                    sessions[k], view.item.id, response.most, response.least
                )
        except Exception as error:  # reported below, never hidden
            errors.append(f"{type(error).__name__}: {error}")

    def guesser(rotating: bool) -> None:
        gate.wait()
        n = 0
        while not stop.is_set():
            n += 1
            client = f"10.{n % 200}.{n // 200 % 250}.{n % 250}" if rotating else NAT
            try:
                delivery.open(f"guessed-link-{n:08d}-{rotating}", client=client)
            except InvitationError as error:
                attacks[error.reason] += 1

    def password_guesser() -> None:
        gate.wait()
        n = 0
        while not stop.is_set():
            n += 1
            try:
                authenticate(store, "victim" if n % 2 else f"nobody{n}", f"guess {n}")
            except LoginError:
                attacks["login"] += 1

    with ThreadPoolExecutor(max_workers=N_CANDIDATES + 3) as pool:
        futures = [pool.submit(candidate, k) for k in range(N_CANDIDATES)]
        futures += [pool.submit(guesser, False), pool.submit(guesser, True)]
        futures.append(pool.submit(password_guesser))
        time.sleep(ANSWERING_SECONDS)
        stop.set()
        for future in futures:
            future.result(timeout=120)

    with store.engine.connect() as connection:
        stored = dict(
            connection.execute(
                text("select session_id, count(*) from responses group by session_id")
            ).all()
        )
    lost = [k for k, s in enumerate(sessions) if stored.get(s, 0) != accepted[k]]
    store.engine.dispose()

    assert not errors, errors[:3]
    assert not refusals, Counter(refusals)
    assert not lost, f"{len(lost)} candidates' answers differ from what was accepted"
    assert sum(accepted) >= N_CANDIDATES  # everyone answered, on average at least once
    assert attacks["unknown"] + attacks["throttled"] > 0
    assert attacks["throttled"] > 0, attacks  # the attacker was slowed
    assert attacks["login"] > 0
